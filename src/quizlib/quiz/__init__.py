"""Authoring and scoring: what a quiz file may hold (``model``), reading and checking files (``load``), the
JSON Schema for editors (``schema``), the rules of each question kind (``kinds``), scoring (``score``),
seeded draws (``draw``) and the reading level of chapters (``readability``). No I/O beyond reading files."""
