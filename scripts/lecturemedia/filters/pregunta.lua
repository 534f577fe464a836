-- The instructor's discussion-question convention, an empty `##` heading followed by
-- a `> ` quote, becomes a deliberate "Pregunta" element at the bottom of the frame.
--
-- Beamer: a level-2 heading titled "Pregunta" with class `example`, so the beamer writer
-- closes any block open before it and opens an exampleblock, which
-- slides_src/templates/preamble.tex styles as the question block.
-- HTML: <div class="pregunta"> with its title.

local function is_empty_h2(el)
  return el.t == "Header" and el.level == 2 and #el.content == 0
end

local function question(title, quote)
  if FORMAT:match("beamer") or FORMAT:match("latex") then
    local out = pandoc.List({ pandoc.Header(2, { pandoc.Str(title) }, pandoc.Attr("", { "example", "pregunta" })) })
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
  local i = 1
  while i <= #doc.blocks do
    local el, nxt = doc.blocks[i], doc.blocks[i + 1]
    if is_empty_h2(el) and nxt and nxt.t == "BlockQuote" then
      blocks:extend(question(title, nxt))
      i = i + 2
    else
      blocks:insert(el)
      i = i + 1
    end
  end
  doc.blocks = blocks
  return doc
end
