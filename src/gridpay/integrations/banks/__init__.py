"""Bank interfaces: the withholding batch file and the bank's result file."""
