-- resq_engine_lanes: the LANES multiply-accumulate lanes of the engine (docs/engine.md). Each
-- lane sums a * b_p over the products of one pass, bit for bit
-- resq.spec.integer.intref.matmul_int of the offset-corrected operands:
--   sum_p = sum_k a_k * b_{k,p}     (a broadcast to every lane; a and b signed)
-- A product enters with in_valid; in_first starts a new sum, in_last ends it. Three register
-- stages (operands, product, accumulator: a DSP48E1's A/B, M and P registers) give the sums
-- of a pass on `sums` three cycles after its last product, with out_valid high for that one
-- cycle; the next pass may follow the last product at once.
-- MULT_STYLE "dsp" and "lut" give each lane its own multiplier. "packed" puts two lanes that
-- share a into one DSP48E1: a * (b_lo + b_hi * 2^ACC_BITS) accumulated in 2 * ACC_BITS bits.
-- The low field is the low lane's sum, and the high field plus the low field's sign bit is
-- the high lane's (the sign correction). This needs A_WIDTH <= 18 and
-- ACC_BITS + B_WIDTH + 1 <= 25 (e.g. 4-bit operands: widths 5, sums of up to 19 bits).
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_engine_lanes is
  generic (
    LANES      : positive := 4;
    A_WIDTH    : positive := 9;
    B_WIDTH    : positive := 9;
    ACC_BITS   : positive := 24;
    MULT_STYLE : string   := "dsp"
  );
  port (
    clk       : in  std_logic;
    in_valid  : in  std_logic;
    in_first  : in  std_logic;
    in_last   : in  std_logic;
    a         : in  std_logic_vector(A_WIDTH - 1 downto 0);
    b         : in  std_logic_vector(LANES * B_WIDTH - 1 downto 0);
    out_valid : out std_logic;
    sums      : out std_logic_vector(LANES * ACC_BITS - 1 downto 0)
  );
end entity resq_engine_lanes;

architecture rtl of resq_engine_lanes is

  constant PACKED_c : boolean  := MULT_STYLE = "packed";
  -- Multipliers: one per lane pair when packed (an odd last lane keeps its own).
  constant PAIRS_c  : natural  := resq_select(PACKED_c, LANES / 2, 0);
  constant WIDE_c   : positive := ACC_BITS + B_WIDTH + 1;  -- the packed operand

  type acc_array_t is array (0 to LANES - 1) of signed(ACC_BITS - 1 downto 0);
  type product_array_t is array (0 to LANES - 1) of signed(A_WIDTH + B_WIDTH - 1 downto 0);
  type wide_array_t is array (0 to PAIRS_c) of signed(2 * ACC_BITS - 1 downto 0);
  type wide_product_array_t is array (0 to PAIRS_c) of signed(A_WIDTH + WIDE_c - 1 downto 0);
  type operand_array_t is array (0 to PAIRS_c) of signed(WIDE_c - 1 downto 0);

  -- stage 1: the operands
  signal a_r      : signed(A_WIDTH - 1 downto 0) := (others => '0');
  signal b_r      : std_logic_vector(LANES * B_WIDTH - 1 downto 0) := (others => '0');
  signal w_r      : operand_array_t := (others => (others => '0'));
  -- stage 2: the products
  signal m_r      : product_array_t := (others => (others => '0'));
  signal mw_r     : wide_product_array_t := (others => (others => '0'));
  -- stage 3: the sums
  signal p_r      : acc_array_t := (others => (others => '0'));
  signal pw_r     : wide_array_t := (others => (others => '0'));
  -- the flags of stages 1, 2, 3
  signal valid_r  : std_logic_vector(1 to 3) := (others => '0');
  signal first_r  : std_logic_vector(1 to 2) := (others => '0');
  signal last_r   : std_logic_vector(1 to 2) := (others => '0');

  function lane(word : std_logic_vector; index : natural) return signed is
  begin
    return resq_element(word, index, B_WIDTH);
  end function;

  -- The multiplier style of a lane of its own (an odd last lane of packed ones: a DSP).
  function single_style return string is
  begin
    if PACKED_c then
      return "dsp";
    end if;
    return MULT_STYLE;
  end function;

begin

  assert MULT_STYLE = "dsp" or MULT_STYLE = "lut" or MULT_STYLE = "packed"
    report "resq_engine_lanes: MULT_STYLE must be ""dsp"", ""lut"" or ""packed"", got """
      & MULT_STYLE & """"
    severity failure;
  assert not PACKED_c or (A_WIDTH <= 18 and WIDE_c <= 25 and 2 * ACC_BITS <= 48)
    report "resq_engine_lanes: packed lanes need A_WIDTH <= 18 and ACC_BITS + B_WIDTH <= 24"
    severity failure;

  pipeline : process (clk)
    variable sum_v  : signed(ACC_BITS - 1 downto 0);
    variable wide_v : signed(2 * ACC_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      -- stage 1
      valid_r(1) <= in_valid;
      first_r(1) <= in_first;
      last_r(1)  <= in_last;
      a_r        <= signed(a);
      b_r        <= b;
      for pair in 0 to PAIRS_c - 1 loop
        w_r(pair) <= resize(lane(b, 2 * pair), WIDE_c)
                     + shift_left(resize(lane(b, 2 * pair + 1), WIDE_c), ACC_BITS);
      end loop;
      -- stage 2
      valid_r(2) <= valid_r(1);
      first_r(2) <= first_r(1);
      last_r(2)  <= valid_r(1) and last_r(1);
      for p in 2 * PAIRS_c to LANES - 1 loop
        m_r(p) <= resq_multiply(a_r, lane(b_r, p), single_style);
      end loop;
      for pair in 0 to PAIRS_c - 1 loop
        mw_r(pair) <= a_r * w_r(pair);
      end loop;
      -- stage 3
      valid_r(3) <= last_r(2);
      if valid_r(2) = '1' then
        for p in 2 * PAIRS_c to LANES - 1 loop
          sum_v := (others => '0');
          if first_r(2) = '0' then
            sum_v := p_r(p);
          end if;
          p_r(p) <= sum_v + resize(m_r(p), ACC_BITS);
        end loop;
        for pair in 0 to PAIRS_c - 1 loop
          wide_v := (others => '0');
          if first_r(2) = '0' then
            wide_v := pw_r(pair);
          end if;
          pw_r(pair) <= wide_v + resize(mw_r(pair), 2 * ACC_BITS);
        end loop;
      end if;
    end if;
  end process pipeline;

  out_valid <= valid_r(3);

  outputs : for p in 0 to LANES - 1 generate
    single : if p >= 2 * PAIRS_c generate
      sums((p + 1) * ACC_BITS - 1 downto p * ACC_BITS) <= std_logic_vector(p_r(p));
    end generate single;
    low : if p < 2 * PAIRS_c and p mod 2 = 0 generate
      sums((p + 1) * ACC_BITS - 1 downto p * ACC_BITS)
        <= std_logic_vector(pw_r(p / 2)(ACC_BITS - 1 downto 0));
    end generate low;
    high : if p < 2 * PAIRS_c and p mod 2 = 1 generate
      -- the high field, corrected by the low field's sign (its borrow)
      sums((p + 1) * ACC_BITS - 1 downto p * ACC_BITS)
        <= std_logic_vector(pw_r(p / 2)(2 * ACC_BITS - 1 downto ACC_BITS)
                            + ("0" & pw_r(p / 2)(ACC_BITS - 1 downto ACC_BITS - 1)));
    end generate high;
  end generate outputs;

end architecture rtl;
