public enum PartitioningPlaceholder {}
