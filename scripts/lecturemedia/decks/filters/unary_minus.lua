-- A number's own minus sign, in math, is a prefix: `$(−0.538)$`, `$= −3$`, `$x^{-1}$`.
--
-- TeX sees it as such already (a binary atom after an opening, a relation or another operator
-- becomes ordinary), but MathML spaces an <mo>−</mo> that is not the first of its <mrow> as a
-- subtraction, so the HTML showed "( − 0.538 )". This braces the minus with its number:
-- `{−0.538}{}` is <mrow><mo>−</mo><mn>0.538</mn></mrow>, a prefix minus, and typesets in LaTeX
-- exactly as before. (The empty `{}` after it keeps pandoc's texmath from unwrapping the group
-- when it is all there is between two delimiters, as in `(−0.538)`.)
--
-- A minus is a number's own when nothing comes before it in the formula, or an opening, a
-- punctuation mark, a relation or another operator does; a minus after an operand (`x - 1`,
-- `\eta - 1`, `(a) - 2`) is left a subtraction. A number followed by a script (`−3^2`) is left
-- as written: braced, its script would change what it applies to.

local MINUSES = { "\u{2212}", "-" } -- U+2212 (lecturemedia.numbers.num writes it) and the hyphen-minus

-- Characters after which a minus is a prefix (not after a hyphen: `\text{2--3}` is an en dash).
local BEFORE_PREFIX = {}
for c in ("([{,;:=<>+*/&"):gmatch(".") do BEFORE_PREFIX[c] = true end
BEFORE_PREFIX["\u{2212}"] = true

-- TeX commands after which a minus is a prefix: relations, operators, openings, spaces, line breaks.
local COMMANDS_BEFORE_PREFIX = {}
for name in ([[
  cdot times div pm mp ast star circ bullet oplus otimes
  le leq ge geq ne neq approx equiv sim simeq cong propto ll gg
  to gets leftarrow rightarrow Leftarrow Rightarrow longrightarrow mapsto implies iff
  in notin ni subset subseteq supset supseteq mid colon
  left langle lbrace lvert lVert lfloor lceil big Big bigg Bigg bigl Bigl biggl Biggl
  quad qquad , ; : > ! \ { ( [ frac sqrt
]]):gmatch("%S+") do
  COMMANDS_BEFORE_PREFIX[name] = true
end

-- The minus at byte i of tex, if one starts there: its text.
local function minus_at(tex, i)
  for _, minus in ipairs(MINUSES) do
    if tex:sub(i, i + #minus - 1) == minus then return minus end
  end
  return nil
end

-- Whether the token before a minus (nil: none; {char=...} or {command=...}) makes it a prefix.
local function prefix_after(token)
  if token == nil then return true end
  if token.command then return COMMANDS_BEFORE_PREFIX[token.command] == true end
  return BEFORE_PREFIX[token.char] == true
end

local function brace(tex)
  local out, i, token = {}, 1, nil
  while i <= #tex do
    local minus = minus_at(tex, i)
    if minus and prefix_after(token) then
      local spaces, number, after = tex:match("^(%s*)(%d+)()", i + #minus)
      local decimals = after and tex:match("^%.%d+", after)
      if decimals then number, after = number .. decimals, after + #decimals end
      local next_char = after and tex:sub(after, after) or ""
      if number and not next_char:match("[%^_']") then
        out[#out + 1] = "{" .. minus .. spaces .. number .. "}{}"
        token = { char = "0" } -- an operand: a minus after it is a subtraction
        i = after
        goto continue
      end
    end
    do
      local c = tex:sub(i, i)
      if c == "\\" then
        local name = tex:match("^%a+", i + 1) or tex:sub(i + 1, i + 1)
        out[#out + 1] = "\\" .. name
        token = { command = name }
        i = i + 1 + #name
      elseif c:match("%s") then
        out[#out + 1] = c
        i = i + 1
      else
        local char = minus or tex:match("^[\0-\x7F\xC2-\xF4][\x80-\xBF]*", i) or c
        out[#out + 1] = char
        token = { char = char }
        i = i + #char
      end
    end
    ::continue::
  end
  return table.concat(out)
end

function Math(el)
  local text = brace(el.text)
  if text == el.text then return nil end
  el.text = text
  return el
end
