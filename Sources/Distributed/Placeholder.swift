public enum DistributedPlaceholder {}
