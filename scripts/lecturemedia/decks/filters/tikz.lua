-- HTML and PowerPoint: a raw TikZ picture becomes an SVG image (a PNG at 300 dpi with
-- `tikz-format: png`), rendered once and named by a hash of
-- its code (and the deck's LaTeX header), so unchanged pictures are never rendered again.
-- Metadata: `tikz-dir` (where the SVGs go), `tikz-href` (how the page refers to that folder);
-- `tex-python`, `tex-root`, `tex-deck`: pdflatex runs through the engine's guard
-- (lecturemedia.decks.tex_guard), as the PDF's runs do, so a picture reads only the
-- project's files and TeX's own.

local out_dir, href, header, format = nil, "tikz", "", "svg"
local python, root, deck = "python3", ".", "the deck"

-- The text of every raw element in a metadata value (elements are userdata, lists tables).
local function raw_texts(value, acc)
  if type(value) == "userdata" and (value.t == "RawInline" or value.t == "RawBlock") then
    acc[#acc + 1] = value.text
  elseif type(value) == "table" then
    for _, item in ipairs(value) do raw_texts(item, acc) end
  end
  return acc
end

local function render(code)
  local document = table.concat({
    "\\documentclass[tikz,border=4pt]{standalone}",
    "\\usepackage[utf8]{inputenc}\\usepackage[T1]{fontenc}\\usepackage{lmodern,amsmath,amssymb}",
    "\\DeclareUnicodeCharacter{2212}{\\ensuremath{-}}", -- the engine's numbers' minus sign (as in the PDF)
    header, "\\begin{document}", code, "\\end{document}", "" }, "\n")
  local name = pandoc.utils.sha1(document):sub(1, 16) .. "." .. format
  local target = out_dir .. "/" .. name
  local existing = io.open(target, "r")
  if existing then existing:close(); return name end
  pandoc.system.with_temporary_directory("tikz", function(tmp)
    local ok, err = pcall(pandoc.pipe, python, { "-m", "lecturemedia.decks.tex_guard", "picture",
      "--root", root, "--deck", deck, "--pdf", tmp .. "/picture.pdf" }, document)
    if not ok then
      local output = tostring(err.output or err)
      if err.error_code == 3 then -- the guard refused it: its message says where and what
        error((output:gsub("%s+$", "")), 0)
      end
      local message = output:match("\n(! [^\n]*)") or "see the LaTeX log"
      error("a TikZ picture could not be drawn: " .. message, 0)
    end
    if format == "png" then
      pandoc.pipe("pdftoppm", { "-r", "300", "-png", "-singlefile", tmp .. "/picture.pdf", target .. ".tmp" }, "")
      os.rename(target .. ".tmp.png", target)
    else
      pandoc.pipe("pdftocairo", { "-svg", tmp .. "/picture.pdf", target .. ".tmp" }, "")
      os.rename(target .. ".tmp", target)
    end
  end)
  return name
end


-- The picture's text alternative: "Diagrama: " and the labels of its nodes, as read aloud
-- ($a$ -> a, \times -> ×, \cdot -> ·); "Diagrama" when it has none.
local SYMBOLS = { times = "×", cdot = "·", to = "→", rightarrow = "→", leftarrow = "←", sum = "∑", partial = "∂" }
local function alt_text(tex)
  local labels = {}
  for label in tex:gmatch("\\node[^;{]*(%b{})") do
    local text = label:sub(2, -2):gsub("%$", ""):gsub("\\(%a+)", function(cmd) return SYMBOLS[cmd] or cmd end)
    text = text:gsub("[{}\\]", ""):gsub("%s+", " "):match("^%s*(.-)%s*$")
    if text ~= "" then labels[#labels + 1] = text end
  end
  return #labels > 0 and ("Diagrama: " .. table.concat(labels, ", ")) or "Diagrama"
end

return {
  {
    Meta = function(meta)
      out_dir = meta["tikz-dir"] and pandoc.utils.stringify(meta["tikz-dir"])
      href = meta["tikz-href"] and pandoc.utils.stringify(meta["tikz-href"]) or href
      format = meta["tikz-format"] and pandoc.utils.stringify(meta["tikz-format"]) or format
      python = meta["tex-python"] and pandoc.utils.stringify(meta["tex-python"]) or python
      root = meta["tex-root"] and pandoc.utils.stringify(meta["tex-root"]) or root
      deck = meta["tex-deck"] and pandoc.utils.stringify(meta["tex-deck"]) or deck
      local lines = {}
      for _, text in ipairs(raw_texts(meta["header-includes"] or {}, {})) do
        if text:match("\\usepackage") or text:match("\\usetikzlibrary") then lines[#lines + 1] = text end
      end
      header = table.concat(lines, "\n")
    end,
  },
  {
    RawBlock = function(el)
      if not out_dir or not el.format:match("tex") or not el.text:match("\\begin{tikzpicture}") then
        return nil
      end
      local name = render(el.text)
      local alt = { { "alt", alt_text(el.text) } } -- a text alternative (no caption: no figure is made)
      return pandoc.Para({ pandoc.Image({}, href .. "/" .. name, "", pandoc.Attr("", { "tikz" }, alt)) })
    end,
  },
}
