"""The ``sim`` command's shared parts and its larger command groups; :mod:`sim.cli` assembles them."""
