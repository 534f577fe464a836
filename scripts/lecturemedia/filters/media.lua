-- Place an animation: `![caption](videos/NAME.mp4){.animation poster="videos/NAME.png"}`,
-- as written by the deck macro video("NAME").
--
-- Beamer: the poster, which plays the video when clicked (multimedia's \movie, a link to
-- the mp4 beside the PDF). Handout (metadata `handout: true`): the poster alone.
-- HTML: an inline <video controls> with the poster.

local handout = false

local function latex_width(width)
  if not width or width == "" then return "0.75\\linewidth" end
  local pct = width:match("^([%d.]+)%%$")
  if pct then return string.format("%.3f\\linewidth", tonumber(pct) / 100) end
  return width
end

local function html_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

local function animation(img)
  local poster = img.attributes.poster or img.src:gsub("%.mp4$", ".png")
  local width = img.attributes.width
  local caption = img.caption or img.content
  if FORMAT:match("beamer") or FORMAT:match("latex") then
    local w = latex_width(width)
    local picture = string.format("\\includegraphics[width=%s]{%s}", w, poster)
    local shown = picture
    if not handout then
      shown = string.format("\\movie[width=%s,showcontrols]{%s}{%s}", w, picture, img.src)
    end
    local out = pandoc.List({ pandoc.RawBlock("latex", "\\begin{center}\n" .. shown .. "\n\\end{center}") })
    if #caption > 0 then
      local cap = pandoc.List({ pandoc.RawInline("latex", "\\centering\\small ") })
      cap:extend(caption)
      out:insert(pandoc.Plain(cap))
    end
    return out
  end
  local style = width and width ~= "" and string.format(' style="width:%s"', html_escape(width)) or ""
  local html = string.format(
    '<figure class="animation"><video controls preload="metadata" poster="%s" src="%s"%s></video>',
    html_escape(poster), html_escape(img.src), style)
  if #caption > 0 then
    html = html .. "<figcaption>" .. html_escape(pandoc.utils.stringify(caption)) .. "</figcaption>"
  end
  return pandoc.List({ pandoc.RawBlock("html", html .. "</figure>") })
end

local function para(el)
  if #el.content == 1 and el.content[1].t == "Image" and el.content[1].classes:includes("animation") then
    return animation(el.content[1])
  end
end

return {
  { Meta = function(meta) handout = meta.handout == true end },
  { Para = para, Plain = para },
}
