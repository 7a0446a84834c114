"""resq.deploy: GHDL simulation, Yosys resource estimates and Vivado builds."""
