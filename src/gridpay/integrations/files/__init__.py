"""Files written on the local disk: output files that exist whole before the change they record commits."""
