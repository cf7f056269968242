"""Wall displays, Qt-free: the layout file (which views on which screens, presets, rules) and the rule engine
that switches presets as the situation changes. The windows are app/wall.py."""
