-- PowerPoint only (pandoc 3.x): what decks/pptx.py finishes after pandoc has written the file.
--
-- * `. . .` (a Beamer pause) is dropped: pandoc's pptx writer would keep it as text.
-- * The Pregunta block (pregunta.lua's <div class="pregunta">) starts with a marker paragraph;
--   pptx.py moves it and what follows into the orange box at the foot of the slide.
-- * Mathematics in titles, tables, captions, notes and the Pregunta becomes Unicode text: pandoc's
--   equations there make PowerPoint repair the file (pandoc #9465, #6301).
-- * Every other formula's TeX is written, in document order, to the metadata `pptx-math-file`
--   (JSON), so that pptx.py can draw each equation box with LaTeX for LibreOffice Impress.

local MARKER = "lecturemedia-pregunta"
local formulas = {}

local function as_text(math)
  local text = pandoc.write(pandoc.Pandoc({ pandoc.Plain({ math }) }), "plain", { wrap_text = "none" })
  return pandoc.Str((text:gsub("%s+$", "")))
end

local flatten = { Math = as_text }

local function is_pause(el)
  return pandoc.utils.stringify(el):match("^%.%s*%.%s*%.$") ~= nil
end

return {
  {
    Para = function(el) if is_pause(el) then return {} end end,
    Header = function(el) return el:walk(flatten) end,
    Table = function(el) return el:walk(flatten) end,
    Figure = function(el) return el:walk(flatten) end,
    Image = function(el) return el:walk(flatten) end,
    Div = function(el)
      if el.classes:includes("notes") then return el:walk(flatten) end
      if el.classes:includes("pregunta") then
        local blocks = pandoc.List({ pandoc.Para({ pandoc.Str(MARKER) }) })
        blocks:extend(el:walk(flatten).content) -- the box is a shape of pptx.py's: no equations in it
        return blocks
      end
    end,
  },
  {
    Math = function(el)
      table.insert(formulas, { tex = el.text, display = el.mathtype == "DisplayMath" })
    end,
    Meta = function(meta)
      local path = meta["pptx-math-file"] and pandoc.utils.stringify(meta["pptx-math-file"])
      if path then
        local fh = assert(io.open(path, "w"))
        fh:write(pandoc.json and pandoc.json.encode(formulas) or "[]")
        fh:close()
      end
    end,
  },
}
