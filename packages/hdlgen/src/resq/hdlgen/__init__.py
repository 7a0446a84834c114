"""resq.hdlgen: VHDL from an IntModel, and test vectors for the IP of cores/ from the
integer reference (`resq.spec.integer.intref`)."""
