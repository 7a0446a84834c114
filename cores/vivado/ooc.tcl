# Synthesize out of context: the ports of an IP (or of a model on a board without a pin
# file) are not pins of the package, which has far fewer user I/O than they need.
set_property -name {STEPS.SYNTH_DESIGN.ARGS.MORE OPTIONS} -value {-mode out_of_context} -objects [get_runs synth_1]
