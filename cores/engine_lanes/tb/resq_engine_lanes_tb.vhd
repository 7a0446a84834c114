-- Self-checking testbench of resq_engine_lanes. VECTORS (written by resq.hdlgen.ipvectors
-- from resq.spec.integer.intref.matmul_int) holds the number of passes, then per pass TERMS
-- lines `a b_0 ... b_(LANES-1)` and one line of the LANES expected sums. The passes stream
-- back to back, one product per cycle; each out_valid is checked against the oldest pass not
-- yet seen. cycles = the cycles from the first product to the last sums (passes * TERMS + 3).
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

library resq;
use resq.resq_tb_pkg.all;

entity resq_engine_lanes_tb is
  generic (
    VECTORS    : string   := "vectors.txt";
    LANES      : positive := 4;
    A_WIDTH    : positive := 9;
    B_WIDTH    : positive := 9;
    ACC_BITS   : positive := 24;
    TERMS      : positive := 16;
    MULT_STYLE : string   := "dsp"
  );
end entity resq_engine_lanes_tb;

architecture sim of resq_engine_lanes_tb is

  constant WIDTH_c : positive := maximum(A_WIDTH, B_WIDTH);
  constant QUEUE_c : positive := 4;  -- passes in flight: at most 3 with TERMS = 1

  subtype sums_t is std_logic_vector(LANES * ACC_BITS - 1 downto 0);
  type queue_t is array (0 to QUEUE_c - 1) of sums_t;

  signal clk       : std_logic := '0';
  signal in_valid  : std_logic := '0';
  signal in_first  : std_logic := '0';
  signal in_last   : std_logic := '0';
  signal a         : std_logic_vector(A_WIDTH - 1 downto 0) := (others => '0');
  signal b         : std_logic_vector(LANES * B_WIDTH - 1 downto 0) := (others => '0');
  signal out_valid : std_logic;
  signal sums      : sums_t;
  signal running   : boolean := true;

begin

  clk <= not clk after 5 ns when running;

  dut : entity resq.resq_engine_lanes
    generic map (LANES => LANES, A_WIDTH => A_WIDTH, B_WIDTH => B_WIDTH, ACC_BITS => ACC_BITS,
                 MULT_STYLE => MULT_STYLE)
    port map (clk => clk, in_valid => in_valid, in_first => in_first, in_last => in_last,
              a => a, b => b, out_valid => out_valid, sums => sums);

  check : process
    file vectors_f    : text;
    variable passes_v : integer;
    variable line_v   : std_logic_vector((LANES + 1) * WIDTH_c - 1 downto 0);
    variable queue_v  : queue_t;
    variable head_v   : natural := 0;  -- passes checked
    variable tail_v   : natural := 0;  -- passes driven
    variable cycles_v : natural := 0;
    variable errors_v : natural := 0;

    -- One clock edge: the sums that come out are checked against the oldest pass driven.
    procedure tick is
    begin
      wait until rising_edge(clk);
      cycles_v := cycles_v + 1;
      assert cycles_v <= passes_v * TERMS + 20
        report "resq_engine_lanes_tb: watchdog: sums missing after " & integer'image(cycles_v)
          & " cycles" severity failure;
      if out_valid = '1' then
        assert head_v < tail_v report "resq_engine_lanes_tb: sums of no pass" severity failure;
        check_row("resq_engine_lanes_tb", head_v, 0, sums, queue_v(head_v mod QUEUE_c),
                  errors_v);
        head_v := head_v + 1;
      end if;
    end procedure;
  begin
    report "resq_engine_lanes_tb:" & generic_image("LANES", LANES)
      & generic_image("A_WIDTH", A_WIDTH) & generic_image("B_WIDTH", B_WIDTH)
      & generic_image("ACC_BITS", ACC_BITS) & generic_image("TERMS", TERMS)
      & " MULT_STYLE=" & MULT_STYLE & " VECTORS=" & VECTORS;
    file_open(vectors_f, VECTORS, read_mode);
    read_integer(vectors_f, passes_v);
    wait until rising_edge(clk);
    for pass in 0 to passes_v - 1 loop
      for k in 0 to TERMS - 1 loop
        read_elements(vectors_f, LANES + 1, WIDTH_c, line_v);
        a <= std_logic_vector(resize(signed(line_v(WIDTH_c - 1 downto 0)), A_WIDTH));
        for p in 0 to LANES - 1 loop
          b((p + 1) * B_WIDTH - 1 downto p * B_WIDTH) <= std_logic_vector(
            resize(signed(line_v((p + 2) * WIDTH_c - 1 downto (p + 1) * WIDTH_c)), B_WIDTH));
        end loop;
        in_valid <= '1';
        in_first <= '1' when k = 0 else '0';
        in_last  <= '1' when k = TERMS - 1 else '0';
        if k = TERMS - 1 then
          read_elements(vectors_f, LANES, ACC_BITS, queue_v(tail_v mod QUEUE_c));
          tail_v := tail_v + 1;
        end if;
        tick;
      end loop;
    end loop;
    in_valid <= '0';
    while head_v < passes_v loop
      tick;
    end loop;
    file_close(vectors_f);
    finish_check("resq_engine_lanes_tb", VECTORS, passes_v, cycles_v, errors_v);
    running <= false;
    std.env.finish;
    wait;
  end process check;

end architecture sim;
