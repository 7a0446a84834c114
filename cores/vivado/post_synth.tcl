# Run by Vivado at the end of synth_1 (STEPS.SYNTH_DESIGN.TCL.POST, set by reports.tcl), in
# the run's folder. Both are estimates of the synthesized netlist, before placement: timing
# against the XDC clock (report_timing_summary) and vectorless power (report_power).
report_timing_summary -file resq_timing_synth.rpt
report_power -file resq_power_synth.rpt
