-- PowerPoint only (pandoc 3.x): what decks/pptx/ finishes after pandoc has written the file.
--
-- * `. . .` (a Beamer pause) is dropped: pandoc's pptx writer would keep it as text.
-- * The Pregunta block (pregunta.lua's <div class="pregunta">) starts with a marker paragraph;
--   pptx.py moves it and what follows into the orange box at the foot of the slide.
-- * Mathematics in titles, tables, captions, notes and the Pregunta becomes Unicode text: pandoc's
--   equations there make PowerPoint repair the file (pandoc #9465, #6301).
-- * Every other formula's TeX is written, in document order, to the metadata `pptx-math-file`
--   (JSON), so that pptx.py can draw each equation box with LaTeX for LibreOffice Impress.
-- * Each frame starts its speaker notes with a marker paragraph: pptx.py merges the slides without
--   one (pandoc's continuations of a frame after a picture or a table) into the slide before, and
--   removes the marker.
-- * Footnotes stay on their frame, as Beamer's: a superscript number in the text and the note's
--   text at the frame's foot (above the Pregunta), not on the extra "Notes" slide pandoc would add.

local MARKER = "lecturemedia-pregunta"
local FRAME_MARKER = "lecturemedia-frame"
local SECTION_MARKER = "lecturemedia-section"
local BLOCK_MARKER, BLOCK_END = "lecturemedia-block:", "lecturemedia-blockend"
local formulas = {}

local function as_text(math)
  local text = pandoc.write(pandoc.Pandoc({ pandoc.Plain({ math }) }), "plain", { wrap_text = "none" })
  return pandoc.Str((text:gsub("%s+$", "")))
end

local flatten = { Math = as_text }

local function is_pause(el)
  return pandoc.utils.stringify(el):match("^%.%s*%.%s*%.$") ~= nil
end

local function frame_mark()
  return pandoc.Div({ pandoc.Para({ pandoc.Str(FRAME_MARKER) }) }, pandoc.Attr("", { "notes" }))
end

local function is_pregunta_mark(el)
  return el.t == "Para" and pandoc.utils.stringify(el) == MARKER
end

-- One frame's blocks: its footnotes numbered from `count` + 1, their texts at its foot.
local function frame_footnotes(blocks, count)
  local texts = pandoc.List()
  local body = pandoc.Blocks(blocks):walk({
    Note = function(note)
      count = count + 1
      local text = pandoc.List({ pandoc.Superscript({ pandoc.Str(tostring(count)) }), pandoc.Space() })
      text:extend(pandoc.utils.blocks_to_inlines(note.content, { pandoc.Space() }))
      texts:insert(pandoc.Para(text))
      return pandoc.Superscript({ pandoc.Str(tostring(count)) })
    end,
  })
  if #texts == 0 then return body, count end
  local at = #body + 1
  for i, el in ipairs(body) do
    if is_pregunta_mark(el) then at = i; break end
  end
  for k, para in ipairs(texts) do body:insert(at + k - 1, para) end
  return body, count
end

-- A heading below the slide level is a Beamer block (`.alert`, `.example`: their kinds) to the next heading:
-- between a marker paragraph naming its kind ("-untitled" without a title) and an end marker, its title
-- (a heading: its equations are text already) and its text, unless it holds what is not text.
local TEXT_BLOCKS = { Para = true, Plain = true, BulletList = true, OrderedList = true, CodeBlock = true,
  BlockQuote = true, LineBlock = true, DefinitionList = true, RawBlock = true }

local function beamer_blocks(blocks, level)
  local out, i = pandoc.List(), 1
  while i <= #blocks do
    local el = blocks[i]
    if el.t == "Header" and el.level > level then
      local body, notes, j, boxable = pandoc.List(), pandoc.List(), i + 1, true
      while j <= #blocks and blocks[j].t ~= "Header" and not is_pregunta_mark(blocks[j]) do
        local b = blocks[j]
        if b.t == "Div" and b.classes:includes("notes") then
          notes:insert(b)
        else
          local pictures = 0
          b:walk({ Image = function() pictures = pictures + 1 end })
          boxable = boxable and TEXT_BLOCKS[b.t] == true and pictures == 0
          body:insert(b)
        end
        j = j + 1
      end
      out:extend(notes)
      if boxable then
        local kind = el.classes:includes("alert") and "alert" or el.classes:includes("example") and "example" or "block"
        local titled = #el.content > 0
        out:insert(pandoc.Para({ pandoc.Str(BLOCK_MARKER .. kind .. (titled and "" or "-untitled")) }))
        if titled then out:insert(pandoc.Para(el:walk(flatten).content)) end
        out:extend(body)
        out:insert(pandoc.Para({ pandoc.Str(BLOCK_END) }))
      else
        out:insert(el)
        out:extend(body)
      end
      i = j
    else
      if el.t == "Div" and el.classes:includes("columns") then -- a block in a column is a box in it
        for _, column in ipairs(el.content) do
          if column.t == "Div" then column.content = beamer_blocks(column.content, level) end
        end
      end
      out:insert(el)
      i = i + 1
    end
  end
  return out
end

-- The mark goes before the frame's first block; into a first block of columns, at the top of its first
-- column (before it, pandoc's pptx writer would put the columns on a slide of their own). Under a
-- section's heading it goes after the first block: before it, it would be the section slide's.
local function with_mark(el, after)
  if el.t == "Div" and el.classes:includes("columns") and el.content[1] and el.content[1].t == "Div" then
    el.content[1].content:insert(1, frame_mark())
    return pandoc.List({ el })
  end
  return after and pandoc.List({ el, frame_mark() }) or pandoc.List({ frame_mark(), el })
end

-- A frame starts at a heading at or above the slide level or at a rule, as in pandoc's slide writers.
-- A section's heading (above the slide level) makes a slide of its own, unmarked (a mark right under it
-- would change the slide level pandoc finds; its slide has its title); with `section-titles: false`
-- Beamer makes no frame of it, and its title ends with SECTION_MARKER, for pptx.py to remove the slide.
local function frames(doc)
  local level = PANDOC_WRITER_OPTIONS.slide_level or pandoc.structure.slide_level(doc.blocks)
  local section_titles = doc.meta["section-titles"] ~= false
  local out, frame, count, pending = pandoc.List(), nil, 0, true
  local function close()
    if frame and pending and frame[1].t == "Header" and frame[1].level == level then
      frame:insert(frame_mark()) -- a frame with a title alone; a rule just before a heading makes none
    end
    if frame then
      local body
      body, count = frame_footnotes(beamer_blocks(frame, level), count)
      out:extend(body)
    end
  end
  for _, el in ipairs(doc.blocks) do
    if el.t == "Header" and el.level <= level or el.t == "HorizontalRule" then
      close()
      if el.t == "Header" and el.level < level and not section_titles then
        el.content:extend({ pandoc.Space(), pandoc.Str(SECTION_MARKER) })
      end
      frame, pending = pandoc.List({ el }), true
    else
      frame = frame or pandoc.List()
      if pending then
        frame:extend(with_mark(el, frame[1] and frame[1].t == "Header" and frame[1].level < level))
        pending = false
      else
        frame:insert(el)
      end
    end
  end
  close()
  doc.blocks = out
  return doc
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
  { Pandoc = frames }, -- before the formulas are listed: a footnote's move changes their order
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
