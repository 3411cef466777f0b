"""Region-wide daily monitoring: RETIRA maps of a whole region, significant sequences, alarms
per cell and day, and their scoring as a forecast (:mod:`thermoquake.monitor.run`,
:mod:`thermoquake.monitor.score`)."""
