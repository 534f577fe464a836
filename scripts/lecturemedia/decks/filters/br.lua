-- Give `<br/>` the meaning the instructor had in mind, in every output format.
--
-- * A `<br/>` line right after a list ends the list: pandoc would otherwise take the
--   text after it as a lazy continuation of the last item. The text becomes its own
--   paragraph, after a vertical space of one half-line per `<br/>`.
-- * `<br/>`s at the start or end of a paragraph become that vertical space.
-- * A `<br/>` inside a line becomes a line break.

local function is_br(el)
  return el and el.t == "RawInline" and el.format:match("html")
    and el.text:lower():match("^<br%s*/?>$") ~= nil
end

local function is_gap(el)
  return el and (el.t == "Space" or el.t == "SoftBreak" or el.t == "LineBreak")
end

local function vspace(n)
  if FORMAT:match("latex") or FORMAT:match("beamer") then
    return pandoc.RawBlock("latex", string.format("\\vspace{%.1f\\baselineskip}", 0.5 * n))
  end
  return pandoc.RawBlock("html", string.format('<div class="br-gap" style="height:%.1fem"></div>', 0.5 * n))
end

-- Drop leading `<br/>`s and gaps; return how many `<br/>`s there were and the rest.
local function strip_leading(inlines)
  local n, i = 0, 1
  while i <= #inlines and (is_br(inlines[i]) or is_gap(inlines[i])) do
    if is_br(inlines[i]) then n = n + 1 end
    i = i + 1
  end
  return n, pandoc.List({ table.unpack(inlines, i) })
end

local function strip_trailing(inlines)
  local n, j = 0, #inlines
  while j >= 1 and (is_br(inlines[j]) or is_gap(inlines[j])) do
    if is_br(inlines[j]) then n = n + 1 end
    j = j - 1
  end
  return n, pandoc.List({ table.unpack(inlines, 1, j) })
end

local function inner_breaks(inlines)
  local out = pandoc.List()
  for _, el in ipairs(inlines) do
    if is_br(el) then out:insert(pandoc.LineBreak()) else out:insert(el) end
  end
  return out
end

-- A paragraph with `<br/>`s at its edges becomes: space, paragraph, space.
local function paragraph(el, ctor)
  local lead, rest = strip_leading(el.content)
  local trail, body = strip_trailing(rest)
  if lead == 0 and trail == 0 then
    el.content = inner_breaks(el.content)
    return el
  end
  local out = pandoc.List()
  if lead > 0 then out:insert(vspace(lead)) end
  if #body > 0 then out:insert(ctor(inner_breaks(body))) end
  if trail > 0 then out:insert(vspace(trail)) end
  return out
end

-- The index of the first `<br/>` that opens a line, or nil.
local function line_opening_br(inlines)
  for i, el in ipairs(inlines) do
    if is_br(el) and (i == 1 or inlines[i - 1].t == "SoftBreak" or inlines[i - 1].t == "LineBreak") then
      return i
    end
  end
  return nil
end

local function list(el)
  local items = el.content
  local last_item = items[#items]
  local last_block = last_item[#last_item]
  if not last_block or (last_block.t ~= "Plain" and last_block.t ~= "Para") then
    return nil
  end
  local at = line_opening_br(last_block.content)
  if not at then return nil end
  local _, kept = strip_trailing(pandoc.List({ table.unpack(last_block.content, 1, at - 1) }))
  local moved = pandoc.List({ table.unpack(last_block.content, at) })
  last_block.content = kept
  local out = pandoc.List({ el })
  local after = paragraph(pandoc.Para(moved), pandoc.Para)
  if after.t then out:insert(after) else out:extend(after) end
  return out
end

return {
  { BulletList = list, OrderedList = list },
  {
    Para = function(el) return paragraph(el, pandoc.Para) end,
    Plain = function(el) return paragraph(el, pandoc.Plain) end,
  },
}
