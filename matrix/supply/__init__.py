"""Where every artifact comes from: pins, the artifact cache, downloads and registry tools,
the recipe of each kind of artifact, git repositories, and the loopback and HTTPS mirrors that
serve the cache to image builds."""
