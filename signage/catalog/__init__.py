"""The playlist catalog as operators write it: the YAML model, its reading and checking.

`playlist` holds the domain values, `loader` assembles a `Catalog` from a playlist directory,
`yamlsource` reads YAML with positions, `validate` checks it, `schedule` evaluates time windows,
`markup` sanitises `html` items and `problem` is what every check reports. The JSON Schemas for
editors live here too. No Flask import.
"""
