"""Running the matrix: the run's options (``config``), what it needs before cells run
(``prepare``), one container run per group (``runner``, with the ``probe`` it copies in), the
per-process orchestration (``session``), and a cell's result document (``results``). The
matrix itself is the pytest suite in ``suite``."""
