"""resq.qat: integer-only mixed-precision QAT, IntModel export and the integer reference.

Modules: `data` (reading a data set into windows; pandas only, no torch), `experiment`
(float and QAT training), `export` (the IntModel), `models`, `quant`, `training`,
`evaluation`, `stage` (the `train` stage of `spec run`)."""
