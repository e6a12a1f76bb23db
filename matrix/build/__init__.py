"""Images: the Docker engine (``engine``), commands in a container (``commands``),
content-addressed layers base ► platform ► manager (``images``, with the base and platform
build contexts in ``images/``), and the provenance of what a run used."""
