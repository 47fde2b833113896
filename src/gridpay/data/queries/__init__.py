"""Read queries: plain values out of the tables, for use cases and screens; they never write."""
