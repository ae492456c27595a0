"""Source code as searchable segments: files, notebooks and repository archives (``extract.py``).

``grammars.py`` (tree-sitter grammars and what a definition is in each), ``syntax.py`` (a file cut
into chunks by its syntax), ``notebooks.py`` (Jupyter cells and outputs), ``archives.py`` (archives
read within bounds, ``.gitignore`` honoured) and ``segments.py`` (chunks as segments with their
path, lines and symbol).
"""
