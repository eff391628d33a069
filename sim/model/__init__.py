"""The model: Minsk, Moscow and Brussels as Mesa agents over numpy arrays of worlds, one step a year."""
