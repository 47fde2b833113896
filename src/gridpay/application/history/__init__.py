"""The history tables over the years: monthly partitions created ahead, closed months archived to Parquet."""
