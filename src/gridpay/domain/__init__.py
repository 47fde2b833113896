"""Pure business rules: no Django, no I/O, no clock. Values in, values out."""
