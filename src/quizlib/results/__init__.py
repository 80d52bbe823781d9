"""What happens to an answer: ``xapi`` statements, ``ingest`` (checked and re-scored), the results
``store``, ``report`` (progress, rates, item analysis, CSV), ``source`` (report records from the store),
``charts``, the analyst's ``dashboard``, ``demo`` data, and the ``recorder`` for live Jupyter."""
