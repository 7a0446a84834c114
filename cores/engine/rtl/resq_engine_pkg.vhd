-- resq_engine_pkg: the engine's op record (one entry of the program ROM that the generated
-- sequencer walks, resq.hdlgen.engine.lower) and the skewed layout of the tensor memory
-- (docs/engine.md): element (row, col) of a tensor lies in bank (row + col) mod LANES, at
-- word base + row * 2^wl + col / LANES of that bank (2^wl words per row). LANES is a
-- power of two.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

package resq_engine_pkg is

  -- Bits of a tensor-memory or ROM address, and of a row or column index.
  constant ENGINE_ADDR_BITS_c : positive := 16;

  -- Operand sources.
  constant A_TENSOR_c  : natural := 0;  -- A[m, k] = T[m, a_off + k], rows loaded per row m
  constant A_INPUT_c   : natural := 1;  -- A[m, k] = the model input's row m
  constant A_ONE_c     : natural := 2;  -- A = 1 (the mean's column sums)
  constant B_WEIGHTS_c : natural := 0;  -- B[n, k] = W[n, k] of the weight ROM
  constant B_ROWS_c    : natural := 1;  -- B[n, k] = T[n, b_off + k]: P rows at one column
  constant B_COLS_c    : natural := 2;  -- B[n, k] = T[k, b_off + n]: P columns of one row

  type resq_engine_op_t is record
    node      : natural;   -- the IntModel node index (the `stage` output)
    a_src     : natural;
    a_base    : natural;
    a_wl      : natural;
    a_off     : natural;
    a_zp      : integer;
    a_loads   : natural;   -- cycles to load one row of A (0 for A_ONE_c)
    b_src     : natural;
    b_base    : natural;   -- weight ROM word or tensor base
    b_wl      : natural;
    b_off     : natural;
    b_zp      : integer;
    m         : positive;
    n         : positive;
    k         : positive;
    bias      : boolean;
    ch_base   : natural;   -- the channel ROM word of channel 0 (bias, batch-norm a and c)
    mult      : natural;
    shift     : positive;
    zp        : integer;
    qmin      : integer;
    qmax      : integer;
    relu      : boolean;
    scores    : boolean;   -- the logits go to the softmax unit, which writes tensor p
    p_base    : natural;
    p_wl      : natural;
    add       : boolean;
    add_const : boolean;   -- the other addend is a table of the table ROM
    add_base  : natural;
    add_wl    : natural;
    add_zo    : integer;   -- zero point of the other addend
    add_mm    : natural;   -- multiplier of this op's value
    add_mo    : natural;   -- multiplier of the other addend
    add_shift : positive;
    add_zp    : integer;
    add_qmin  : integer;
    add_qmax  : integer;
    bn        : boolean;
    bn_za     : integer;
    bn_mult   : natural;
    bn_shift  : positive;
    bn_zp     : integer;
    bn_qmin   : integer;
    bn_qmax   : integer;
    out_base  : natural;
    out_wl    : natural;
    out_off   : natural;
    out_y     : boolean;   -- the model output: written to the output register
  end record resq_engine_op_t;

  type resq_engine_program_t is array (natural range <>) of resq_engine_op_t;

  -- round_shift(value, shift) (resq_pkg.resq_round_shift, rounding half up) with the shift
  -- known at run time: shift_less_one = shift - 1 (shift >= 1), as
  -- floor((floor(value / 2^(shift-1)) + 1) / 2), which equals it. Staged arithmetic shifts
  -- written as wiring. Result has value'length bits.
  function resq_round_shift_by(value : signed; shift_less_one : unsigned) return signed;

  -- log2 of a power of two.
  function resq_log2(value : positive) return natural;

  -- The bank of element (row, col): (row + col) mod lanes.
  function resq_engine_bank(row, col : unsigned; lanes : positive) return unsigned;

  -- The word of element (row, col) in its bank: base + row * 2^wl + col / lanes.
  function resq_engine_word(base : natural; row, col : unsigned; wl : natural; lanes : positive)
    return unsigned;

end package resq_engine_pkg;

package body resq_engine_pkg is

  function resq_round_shift_by(value : signed; shift_less_one : unsigned) return signed is
    constant WIDTH_c : positive := value'length + 1;
    variable v_v     : signed(WIDTH_c - 1 downto 0);
    variable next_v  : signed(WIDTH_c - 1 downto 0);
    variable out_v   : signed(value'length - 1 downto 0);
    alias amount_a   : unsigned(shift_less_one'length - 1 downto 0) is shift_less_one;
  begin
    v_v := resize(value, WIDTH_c);
    for stage in 0 to amount_a'length - 1 loop
      if amount_a(stage) = '1' then
        for bit_i in next_v'range loop
          next_v(bit_i) := v_v(minimum(bit_i + 2 ** stage, WIDTH_c - 1));
        end loop;
        v_v := next_v;
      end if;
    end loop;
    v_v := v_v + 1;
    for bit_i in out_v'range loop
      out_v(bit_i) := v_v(bit_i + 1);
    end loop;
    return out_v;
  end function;

  function resq_log2(value : positive) return natural is
    variable log_v : natural := 0;
  begin
    while 2 ** log_v < value loop
      log_v := log_v + 1;
    end loop;
    return log_v;
  end function;

  function resq_engine_bank(row, col : unsigned; lanes : positive) return unsigned is
    constant LOG_c : natural := resq_log2(lanes);
    variable sum_v : unsigned(ENGINE_ADDR_BITS_c - 1 downto 0);
  begin
    sum_v := resize(row, ENGINE_ADDR_BITS_c) + resize(col, ENGINE_ADDR_BITS_c);
    return resize(sum_v(maximum(LOG_c, 1) - 1 downto 0), maximum(LOG_c, 1))
           and to_unsigned(lanes - 1, maximum(LOG_c, 1));
  end function;

  function resq_engine_word(base : natural; row, col : unsigned; wl : natural; lanes : positive)
    return unsigned is
    constant LOG_c : natural := resq_log2(lanes);
  begin
    return to_unsigned(base, ENGINE_ADDR_BITS_c)
           + shift_left(resize(row, ENGINE_ADDR_BITS_c), wl)
           + shift_right(resize(col, ENGINE_ADDR_BITS_c), LOG_c);
  end function;

end package body resq_engine_pkg;
