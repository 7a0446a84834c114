-- resq_engine_memory: the engine's tensor memory (docs/engine.md): LANES banks of DEPTH words
-- of DATA_BITS, element (row, col) of a tensor in bank (row + col) mod LANES
-- (resq_engine_pkg). One read per cycle gives LANES elements, lane p the p-th of them:
--   rd_cols = '1': P consecutive columns of one row:  T[rd_row, rd_col + p]
--   rd_cols = '0': P consecutive rows at one column:  T[rd_row + p, rd_col]
-- Both fall into LANES different banks (the skew). The request is registered, each bank
-- computes its own word, the banks answer after one cycle and a rotator (log2 LANES stages
-- of 2:1 multiplexers) puts bank (rd_row + rd_col + p) mod LANES on lane p: rd_data is valid
-- LATENCY = 3 cycles after the request. One element is written per cycle (registered, then
-- written). LANES is a power of two, DEPTH any (a multiple of 64 fills LUT-RAM); STYLE is
-- the banks' ram_style (block, distributed, auto).
library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

library resq;
use resq.resq_engine_pkg.all;

entity resq_engine_memory is
  generic (
    LANES     : positive := 16;
    DATA_BITS : positive := 9;
    DEPTH     : positive := 256;
    STYLE     : string   := "auto"
  );
  port (
    clk     : in  std_logic;
    rd_cols : in  std_logic;
    rd_base : in  natural range 0 to 2 ** ENGINE_ADDR_BITS_c - 1;
    rd_row  : in  natural range 0 to 2 ** ENGINE_ADDR_BITS_c - 1;
    rd_col  : in  natural range 0 to 2 ** ENGINE_ADDR_BITS_c - 1;
    rd_wl   : in  natural range 0 to 15;
    rd_data : out std_logic_vector(LANES * DATA_BITS - 1 downto 0);
    wr_en   : in  std_logic;
    wr_base : in  natural range 0 to 2 ** ENGINE_ADDR_BITS_c - 1;
    wr_row  : in  natural range 0 to 2 ** ENGINE_ADDR_BITS_c - 1;
    wr_col  : in  natural range 0 to 2 ** ENGINE_ADDR_BITS_c - 1;
    wr_wl   : in  natural range 0 to 15;
    wr_data : in  std_logic_vector(DATA_BITS - 1 downto 0)
  );
end entity resq_engine_memory;

architecture rtl of resq_engine_memory is

  constant LOG_c  : natural  := resq_log2(LANES);
  constant SEL_c  : positive := maximum(LOG_c, 1);
  -- word arithmetic modulo 2^WORD_c; a read of a word at or past DEPTH (only ever an
  -- element no op uses) reads word 0
  constant WORD_c : positive := maximum(resq_log2(DEPTH), 1);

  type word_array_t is array (0 to LANES - 1) of natural range 0 to DEPTH - 1;
  type data_array_t is array (0 to LANES - 1) of std_logic_vector(DATA_BITS - 1 downto 0);

  -- stage 1: the request, as the word of its first element (in every bank's arithmetic,
  -- modulo 2^WORD_c), that element's bank, its column within a word, the words per row
  signal cols_r   : std_logic := '0';
  signal start_r  : unsigned(WORD_c - 1 downto 0) := (others => '0');
  signal first_r  : unsigned(SEL_c - 1 downto 0) := (others => '0');
  signal within_r : unsigned(SEL_c - 1 downto 0) := (others => '0');
  signal wl_r     : natural range 0 to 15 := 0;
  -- stage 2: the banks' words; the rotation
  signal words    : word_array_t;
  signal banks    : data_array_t;
  signal turn_r   : unsigned(SEL_c - 1 downto 0) := (others => '0');
  -- the write
  signal we_r     : std_logic := '0';
  signal w_bank   : unsigned(SEL_c - 1 downto 0) := (others => '0');
  signal w_word   : natural range 0 to DEPTH - 1 := 0;
  signal w_data   : std_logic_vector(DATA_BITS - 1 downto 0) := (others => '0');

  -- base + row * 2^wl + col / LANES, modulo 2^WORD_c.
  function word_of(base, row, col, wl : natural) return unsigned is
  begin
    return resize(resq_engine_word(base, to_unsigned(row, ENGINE_ADDR_BITS_c),
                                   to_unsigned(col, ENGINE_ADDR_BITS_c), wl, LANES), WORD_c);
  end function;

  function in_depth(word : unsigned) return natural is
  begin
    if to_integer(word) < DEPTH then
      return to_integer(word);
    end if;
    return 0;
  end function;

  function bank_of(row, col : natural) return unsigned is
  begin
    return resq_engine_bank(to_unsigned(row, ENGINE_ADDR_BITS_c),
                            to_unsigned(col, ENGINE_ADDR_BITS_c), LANES);
  end function;

begin

  assert 2 ** LOG_c = LANES report "resq_engine_memory: LANES must be a power of two"
    severity failure;

  request : process (clk)
  begin
    if rising_edge(clk) then
      cols_r   <= rd_cols;
      start_r  <= word_of(rd_base, rd_row, rd_col, rd_wl);
      first_r  <= bank_of(rd_row, rd_col);
      within_r <= resize(to_unsigned(rd_col, ENGINE_ADDR_BITS_c), SEL_c)
                  and to_unsigned(LANES - 1, SEL_c);
      wl_r     <= rd_wl;
      turn_r   <= first_r;
      we_r     <= wr_en;
      w_bank   <= bank_of(wr_row, wr_col);
      w_word   <= in_depth(word_of(wr_base, wr_row, wr_col, wr_wl));
      w_data   <= wr_data;
    end if;
  end process request;

  -- Bank b holds element d = (b - first) mod LANES of the request. Columns: the word of
  -- column col + d is start plus one when col mod LANES + d passes a word boundary. Rows:
  -- row + d is d rows of 2^wl words further.
  addresses : process (cols_r, start_r, first_r, within_r, wl_r)
    variable d_v : unsigned(SEL_c - 1 downto 0);
  begin
    for b in 0 to LANES - 1 loop
      d_v := (to_unsigned(b, SEL_c) - first_r) and to_unsigned(LANES - 1, SEL_c);
      if cols_r = '1' then
        if LOG_c > 0 and resize(within_r, SEL_c + 1) + resize(d_v, SEL_c + 1) >= LANES then
          words(b) <= in_depth(start_r + 1);
        else
          words(b) <= in_depth(start_r);
        end if;
      else
        words(b) <= in_depth(start_r + shift_left(resize(d_v, WORD_c), wl_r));
      end if;
    end loop;
  end process addresses;

  bank_memories : for b in 0 to LANES - 1 generate
    signal we_b : std_logic;
  begin
    we_b <= we_r when to_integer(w_bank) = b mod 2 ** SEL_c else '0';
    bank : entity resq.resq_buffer_memory
      generic map (DEPTH => DEPTH, WIDTH => DATA_BITS, STYLE => STYLE)
      port map (clk => clk, we => we_b, w_addr => w_word, w_data => w_data,
                r_addr => words(b), r_data => banks(b));
  end generate bank_memories;

  -- Lane p takes bank (turn + p) mod LANES: turn as a sum of powers of two, one stage each.
  rotate : process (clk)
    variable lanes_v : data_array_t;
    variable next_v  : data_array_t;
  begin
    if rising_edge(clk) then
      lanes_v := banks;
      for stage in 0 to LOG_c - 1 loop
        if turn_r(stage) = '1' then
          for p in 0 to LANES - 1 loop
            next_v(p) := lanes_v((p + 2 ** stage) mod LANES);
          end loop;
          lanes_v := next_v;
        end if;
      end loop;
      for p in 0 to LANES - 1 loop
        rd_data((p + 1) * DATA_BITS - 1 downto p * DATA_BITS) <= lanes_v(p);
      end loop;
    end if;
  end process rotate;

end architecture rtl;
