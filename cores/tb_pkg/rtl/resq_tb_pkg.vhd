-- resq_tb_pkg: what the self-checking testbenches of resq share. Vector files hold one record
-- per line: a line of whitespace-separated integers, or one binary word (for values wider
-- than a VHDL integer, such as biases at accumulator width).
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use std.textio.all;

package resq_tb_pkg is

  -- Reads the next line of `count` integers and packs them as `width`-bit two's complement
  -- elements, element 0 in the low bits.
  procedure read_elements(file vectors : text; count : positive; width : positive;
                          variable word : out std_logic_vector);

  -- Reads the next line as one binary word of word'length digits.
  procedure read_bits(file vectors : text; variable word : out std_logic_vector);

  -- Reads the next line as one integer.
  procedure read_integer(file vectors : text; variable value : out integer);

  -- "NAME=value" for a report line.
  function generic_image(name : string; value : integer) return string;

  -- One run of a start/done IP: a start pulse, then clock edges until done; cycles counts
  -- them (start edge included). Returns one edge after done. The watchdog: a run longer than
  -- `limit` cycles fails (severity failure) with a message naming `name`.
  procedure run_once(name : string; limit : positive; signal clk : in std_logic;
                     signal start : out std_logic; signal done : in std_logic;
                     variable cycles : out natural);

  -- Compares one output row; a mismatch is reported as a warning (so that all are listed)
  -- naming the sample and row, and counted in errors.
  procedure check_row(name : string; sample, row : natural; got, expected : std_logic_vector;
                      variable errors : inout natural);

  -- The closing lines every testbench prints: cycles, samples, mismatches, PASSED or FAILED
  -- (a failure of severity failure when anything mismatched or no sample ran).
  procedure finish_check(name, vectors : string; samples, cycles, errors : natural);

end package resq_tb_pkg;

package body resq_tb_pkg is

  procedure read_elements(file vectors : text; count : positive; width : positive;
                          variable word : out std_logic_vector) is
    variable line_v  : line;
    variable value_v : integer;
    variable word_v  : std_logic_vector(count * width - 1 downto 0);
    variable good_v  : boolean;
  begin
    readline(vectors, line_v);
    for i in 0 to count - 1 loop
      read(line_v, value_v, good_v);
      assert good_v report "resq_tb_pkg: vector line has fewer than " & integer'image(count)
        & " integers" severity failure;
      word_v((i + 1) * width - 1 downto i * width) := std_logic_vector(to_signed(value_v, width));
    end loop;
    word := word_v;
  end procedure;

  procedure read_bits(file vectors : text; variable word : out std_logic_vector) is
    variable line_v : line;
    variable good_v : boolean;
  begin
    readline(vectors, line_v);
    read(line_v, word, good_v);
    assert good_v report "resq_tb_pkg: vector line is not a binary word of "
      & integer'image(word'length) & " digits" severity failure;
  end procedure;

  procedure read_integer(file vectors : text; variable value : out integer) is
    variable line_v : line;
    variable good_v : boolean;
  begin
    readline(vectors, line_v);
    read(line_v, value, good_v);
    assert good_v report "resq_tb_pkg: vector line is not an integer" severity failure;
  end procedure;

  function generic_image(name : string; value : integer) return string is
  begin
    return " " & name & "=" & integer'image(value);
  end function;

  procedure run_once(name : string; limit : positive; signal clk : in std_logic;
                     signal start : out std_logic; signal done : in std_logic;
                     variable cycles : out natural) is
    variable cycles_v : natural;
  begin
    wait until rising_edge(clk);
    start <= '1';
    wait until rising_edge(clk);
    start    <= '0';
    cycles_v := 1;
    while done /= '1' loop
      wait until rising_edge(clk);
      cycles_v := cycles_v + 1;
      assert cycles_v <= limit
        report name & ": watchdog: no done within " & integer'image(limit) & " cycles"
        severity failure;
    end loop;
    wait until rising_edge(clk);
    cycles := cycles_v;
  end procedure;

  procedure check_row(name : string; sample, row : natural; got, expected : std_logic_vector;
                      variable errors : inout natural) is
  begin
    if got /= expected then
      errors := errors + 1;
      report name & ": MISMATCH sample " & integer'image(sample) & " row " & integer'image(row)
        & ": got " & to_hstring(got) & ", expected " & to_hstring(expected)
        severity warning;
    end if;
  end procedure;

  procedure finish_check(name, vectors : string; samples, cycles, errors : natural) is
  begin
    assert samples > 0 report name & ": no samples in " & vectors severity failure;
    report name & ": cycles=" & integer'image(cycles) & " samples=" & integer'image(samples)
      & " mismatches=" & integer'image(errors);
    assert errors = 0 report name & ": FAILED" severity failure;
    report name & ": PASSED";
  end procedure;

end package body resq_tb_pkg;
