public enum GraphKernelsPlaceholder {}
