"""The explorer: a local web page (``meek explore``) where a reader moves the priors and choices
of the fan experiment and sees its fans, key numbers and drivers update.

:mod:`.state` turns a page's state into Hydra overrides and URL queries (and screens them),
:mod:`.compute` computes a page's numbers through the fan experiment's own path, :mod:`.app`
builds the Panel page and serves it.
"""
