-- resq_batchnorm: batch normalisation folded into a per-channel affine map over the rows of a
-- (ROWS, FEATURES) tensor, bit for bit resq.spec.integer.intref.batchnorm_int:
--   acc[r, c] = (x[r, c] - INPUT_ZERO) * (a[c] - WEIGHT_ZERO) + bias[c]
--   y[r, c]   = clamp(round_shift(acc * MULTIPLIER, SHIFT) + OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX)
-- a and bias are constants: WEIGHTS holds FEATURES elements of WEIGHT_BITS and BIASES
-- FEATURES elements of ACC_BITS, element 0 in the low bits. PAR elements per cycle;
-- CHUNKS = ceil(FEATURES / PAR) cycles per row plus three. Memories answer one cycle after
-- the address. A start pulse runs all ROWS rows; done pulses for one cycle at the end.
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_pkg.all;

entity resq_batchnorm is
  generic (
    ROWS        : positive := 24;
    FEATURES    : positive := 16;
    INPUT_BITS  : positive := 8;
    WEIGHT_BITS : positive := 8;
    OUTPUT_BITS : positive := 8;
    ACC_BITS    : positive := 18;
    INPUT_ZERO  : integer  := 0;
    WEIGHT_ZERO : integer  := 0;
    OUTPUT_ZERO : integer  := 0;
    OUTPUT_MIN  : integer  := -127;
    OUTPUT_MAX  : integer  := 127;
    MULTIPLIER  : natural  := 16384;
    SHIFT       : positive := 20;
    WEIGHTS     : std_logic_vector;
    BIASES      : std_logic_vector;
    PAR         : positive := 1;
    MULT_STYLE  : string   := "dsp"
  );
  port (
    clk    : in  std_logic;
    rst    : in  std_logic;
    start  : in  std_logic;
    done   : out std_logic;
    x_addr : out natural range 0 to ROWS - 1;
    x_data : in  std_logic_vector(FEATURES * INPUT_BITS - 1 downto 0);
    y_addr : out natural range 0 to ROWS - 1;
    y_data : out std_logic_vector(FEATURES * OUTPUT_BITS - 1 downto 0);
    y_we   : out std_logic
  );
end entity resq_batchnorm;

architecture rtl of resq_batchnorm is

  constant CHUNKS_c : positive := (FEATURES + PAR - 1) / PAR;
  constant SLOTS_c  : positive := CHUNKS_c * PAR;

  -- The constants padded to whole chunks (padding channels compute values nobody reads).
  function padded(value : std_logic_vector; width : positive) return std_logic_vector is
    variable out_v : std_logic_vector(SLOTS_c * width - 1 downto 0) := (others => '0');
  begin
    out_v(FEATURES * width - 1 downto 0) := value;
    return out_v;
  end function;

  constant WEIGHTS_c : std_logic_vector(SLOTS_c * WEIGHT_BITS - 1 downto 0)
    := padded(WEIGHTS, WEIGHT_BITS);
  constant BIASES_c  : std_logic_vector(SLOTS_c * ACC_BITS - 1 downto 0)
    := padded(BIASES, ACC_BITS);

  type state_t is (IDLE_s, LOAD_s, LATCH_s, RUN_s, WRITE_s);

  signal state_r : state_t := IDLE_s;
  signal row_r   : natural range 0 to ROWS - 1 := 0;
  signal chunk_r : natural range 0 to CHUNKS_c - 1 := 0;
  -- x shifts PAR elements out of the bottom per RUN cycle, y PAR results into the top.
  signal x_r     : std_logic_vector(SLOTS_c * INPUT_BITS - 1 downto 0) := (others => '0');
  signal y_r     : std_logic_vector(SLOTS_c * OUTPUT_BITS - 1 downto 0) := (others => '0');
  signal done_r  : std_logic := '0';

  function affine(x : signed; channel : natural) return signed is
    variable x_v : signed(INPUT_BITS downto 0);
    variable a_v : signed(WEIGHT_BITS downto 0);
    variable acc : signed(ACC_BITS - 1 downto 0);
  begin
    x_v := resize(x, INPUT_BITS + 1) - to_signed(INPUT_ZERO, INPUT_BITS + 1);
    a_v := resize(resq_element(WEIGHTS_c, channel, WEIGHT_BITS), WEIGHT_BITS + 1)
           - to_signed(WEIGHT_ZERO, WEIGHT_BITS + 1);
    acc := resize(resq_multiply(x_v, a_v, MULT_STYLE), ACC_BITS)
           + resq_element(BIASES_c, channel, ACC_BITS);
    return resq_requantize(acc, MULTIPLIER, SHIFT, OUTPUT_ZERO, OUTPUT_MIN, OUTPUT_MAX,
                           OUTPUT_BITS, MULT_STYLE);
  end function;

begin

  assert resq_is_mult_style(MULT_STYLE)
    report "resq_batchnorm: MULT_STYLE must be ""dsp"" or ""lut"", got """ & MULT_STYLE & """"
    severity failure;
  assert WEIGHTS'length = FEATURES * WEIGHT_BITS and BIASES'length = FEATURES * ACC_BITS
    report "resq_batchnorm: WEIGHTS needs FEATURES*WEIGHT_BITS bits, BIASES FEATURES*ACC_BITS"
    severity failure;
  assert OUTPUT_MIN >= -2 ** (OUTPUT_BITS - 1) and OUTPUT_MAX < 2 ** (OUTPUT_BITS - 1)
    and OUTPUT_MIN <= OUTPUT_ZERO and OUTPUT_ZERO <= OUTPUT_MAX
    report "resq_batchnorm: OUTPUT_MIN..OUTPUT_MAX must hold OUTPUT_ZERO and fit OUTPUT_BITS"
    severity failure;

  x_addr <= row_r;
  y_addr <= row_r;
  y_data <= y_r(FEATURES * OUTPUT_BITS - 1 downto 0);
  y_we   <= '1' when state_r = WRITE_s else '0';
  done   <= done_r;

  control : process (clk)
    variable y_v : signed(OUTPUT_BITS - 1 downto 0);
  begin
    if rising_edge(clk) then
      done_r <= '0';
      case state_r is
        when IDLE_s =>
          if start = '1' then
            row_r   <= 0;
            state_r <= LOAD_s;
          end if;
        when LOAD_s =>
          state_r <= LATCH_s;
        when LATCH_s =>
          x_r     <= (others => '0');
          x_r(FEATURES * INPUT_BITS - 1 downto 0) <= x_data;
          chunk_r <= 0;
          state_r <= RUN_s;
        when RUN_s =>
          x_r <= std_logic_vector(shift_right(unsigned(x_r), PAR * INPUT_BITS));
          y_r <= std_logic_vector(shift_right(unsigned(y_r), PAR * OUTPUT_BITS));
          for j in 0 to PAR - 1 loop
            y_v := affine(resq_element(x_r, j, INPUT_BITS), chunk_r * PAR + j);
            y_r((SLOTS_c - PAR + j + 1) * OUTPUT_BITS - 1 downto (SLOTS_c - PAR + j) * OUTPUT_BITS)
              <= std_logic_vector(y_v);
          end loop;
          if chunk_r = CHUNKS_c - 1 then
            state_r <= WRITE_s;
          else
            chunk_r <= chunk_r + 1;
          end if;
        when WRITE_s =>
          if row_r = ROWS - 1 then
            done_r  <= '1';
            state_r <= IDLE_s;
          else
            row_r   <= row_r + 1;
            state_r <= LOAD_s;
          end if;
      end case;
      if rst = '1' then
        state_r <= IDLE_s;
        done_r  <= '0';
      end if;
    end if;
  end process control;

end architecture rtl;
