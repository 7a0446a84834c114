# Vector generics as sized literals. FuseSoC passes a std_logic_vector generic as a bare
# string of bits (INIT=0110...), which Vivado would read as a decimal integer; its form for
# a vector is a sized literal (INIT=4'b0110). The resq IP cores' vector generics:
set resq_vector_generics {INIT WEIGHTS BIASES EXP2_TABLE}

set resq_generics {}
foreach resq_item [get_property generic [get_filesets sources_1]] {
    set resq_at [string first = $resq_item]
    set resq_name [string range $resq_item 0 [expr {$resq_at - 1}]]
    set resq_value [string range $resq_item [expr {$resq_at + 1}] end]
    if {[lsearch -exact $resq_vector_generics $resq_name] >= 0 && [regexp {^[01]+$} $resq_value]} {
        set resq_value "[string length $resq_value]'b$resq_value"
    }
    lappend resq_generics "$resq_name=$resq_value"
}
set_property generic $resq_generics [get_filesets sources_1]
