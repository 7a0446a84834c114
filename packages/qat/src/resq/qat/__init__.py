"""resq.qat: integer-only mixed-precision QAT and the IntModel export (the integer reference
itself is resq.spec.integer, the data sets resq.spec.data).

Modules: `experiment` (float and QAT training), `export` (the IntModel), `models`, `quant`,
`training`, `evaluation`, `baselines`, `stage` (the `train` and `baselines` stages)."""
