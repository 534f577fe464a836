-- The instructor's discussion-question convention, an empty `##` heading followed by
-- a `> ` quote, becomes a deliberate "Pregunta" element at the bottom of the frame.
--
-- Beamer: a heading one level below the slide level, titled "Pregunta", with class
-- `example`, so the beamer writer closes any block open before it and opens an
-- exampleblock (slides_src/templates/preamble.tex styles it as the question block). The
-- slide level is the deck's `slide-level`, else the one pandoc chooses: the highest level
-- of a heading followed directly by content (the question markers aside).
-- HTML: <div class="pregunta"> with its title.

local function is_empty_h2(el)
  return el.t == "Header" and el.level == 2 and #el.content == 0
end

local function is_marker(blocks, i)
  return is_empty_h2(blocks[i]) and blocks[i + 1] and blocks[i + 1].t == "BlockQuote"
end

local function slide_level(doc)
  local given = doc.meta["slide-level"] and tonumber(pandoc.utils.stringify(doc.meta["slide-level"]))
  if given then return given end
  local level = nil
  for i, el in ipairs(doc.blocks) do
    local nxt = doc.blocks[i + 1]
    if el.t == "Header" and nxt and nxt.t ~= "Header" and not is_marker(doc.blocks, i) then
      level = math.min(level or el.level, el.level)
    end
  end
  return level or 1
end

local function question(title, quote, level)
  if FORMAT:match("beamer") or FORMAT:match("latex") then
    local attr = pandoc.Attr("", { "example", "pregunta" })
    local out = pandoc.List({ pandoc.Header(level + 1, { pandoc.Str(title) }, attr) })
    out:extend(quote.content)
    return out
  end
  local body = pandoc.List({ pandoc.Para({ pandoc.Strong({ pandoc.Str(title) }) }) })
  body:extend(quote.content)
  return pandoc.List({ pandoc.Div(body, pandoc.Attr("", { "pregunta" })) })
end

function Pandoc(doc)
  local title = doc.meta["question-title"] and pandoc.utils.stringify(doc.meta["question-title"]) or "Pregunta"
  local blocks = pandoc.List()
  local level = slide_level(doc)
  local i = 1
  while i <= #doc.blocks do
    local el, nxt = doc.blocks[i], doc.blocks[i + 1]
    if is_marker(doc.blocks, i) then
      blocks:extend(question(title, nxt, level))
      i = i + 2
    else
      blocks:insert(el)
      i = i + 1
    end
  end
  doc.blocks = blocks
  return doc
end
