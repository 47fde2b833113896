"""The green channel (绿色通道): hardship households, home collection and the collectors' cash."""
