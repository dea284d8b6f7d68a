public enum GraphIOPlaceholder {}
