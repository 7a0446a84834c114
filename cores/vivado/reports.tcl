# Timing and power of the synthesized design, beside Vivado's utilization report:
# post_synth.tcl (in this folder) runs at the end of synth_1, with the design still open.
set_property STEPS.SYNTH_DESIGN.TCL.POST [file join [file dirname [file normalize [info script]]] post_synth.tcl] [get_runs synth_1]
