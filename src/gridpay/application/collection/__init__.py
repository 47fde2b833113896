"""Daily readings collected from the meters by the head-end: planned, asked for in waves, recorded or listed as gaps."""
