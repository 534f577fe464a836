-- Place an animation: `![caption](videos/NAME.mp4){.animation poster="videos/NAME.png"}`,
-- as written by the deck macro video("NAME").
--
-- Beamer: the poster (the video's first frame), which plays the video when clicked in the
-- viewers that play movies (multimedia's \movie: Okular, Evince's window, pdfpc), and under
-- it a visible link to the mp4 for every other viewer (a browser's pdf.js opens it in a tab,
-- a desktop viewer hands it to the system's player). The PDF also carries the mp4 itself
-- (an attachment), and a click on the poster in pdf.js (Firefox's viewer, even on a PDF
-- opened from disk, where it follows no link to a file, and in its presentation mode) saves
-- that copy: the poster's link to it is one that movie players do not act on (GoToE).
-- Handout (metadata `handout: true`): the video's last frame, no link. HTML: an inline
-- <video controls> with its captions track. PowerPoint: the poster, marked; decks/pptx/movies.py puts
-- the movie (its captioned copy) where the poster is.

package.path = pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "?.lua" }) .. ";" .. package.path
local header_includes = require("header_includes")

local handout = false
local lang = "en"
local LINK_TEXT = { es = "Abrir el vídeo", en = "Open the video", fr = "Ouvrir la vidéo", de = "Video öffnen",
  pt = "Abrir o vídeo", it = "Apri il video" }
local link_text = nil
local attached = {} -- the videos this document carries, in the order of their first poster

-- The poster as a link to the video's attached copy; the movie alone when the file's name
-- would not survive LaTeX and a PDF name (two clips of one name in two folders: the first).
local function attached_poster(movie, src)
  local name = src:match("([^/]+)$")
  if not src:match("^[%w._/-]+$") or (attached[name] and attached[name] ~= src) then
    return movie
  end
  if not attached[name] then
    attached[name] = src
    table.insert(attached, name)
  end
  local action = "/S/GoToE/NewWindow true/T<</R/C/N(" .. name .. ")>>"
  return string.format("\\leavevmode\\pdfstartlink user{/Subtype/Link/Border[0 0 0]/A<<%s>>}%s\\pdfendlink",
    action, movie)
end

-- Attach each video once, when the document begins (a frame with overlays is typeset once per overlay).
local function attach_videos(meta)
  if #attached == 0 then return nil end
  local lines = {}
  for _, name in ipairs(attached) do
    -- the Unicode name (/UF, the one viewers show) goes through \pdfstringdef, which drops a bare _
    local shown = name:gsub("_", "\\textunderscore{}")
    table.insert(lines, string.format("\\embedfile[filespec=%s,ucfilespec=%s,mimetype=video/mp4]{%s}", name, shown,
      attached[name]))
  end
  return header_includes.add(meta, "\\AtBeginDocument{" .. table.concat(lines, "\n") .. "}")
end

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
    local shown
    if handout then
      shown = string.format("\\includegraphics[width=%s]{%s}", w, (poster:gsub("%.png$", "-end.png")))
    else
      local picture = string.format("\\includegraphics[width=%s]{%s}", w, poster)
      local movie = string.format("\\movie[width=%s,showcontrols]{%s}{%s}", w, picture, img.src)
      shown = attached_poster(movie, img.src) .. "\\\\[9pt]"
        .. string.format("{\\footnotesize\\href{%s}{$\\blacktriangleright$ %s (%s)}}", img.src,
          link_text or LINK_TEXT[lang] or LINK_TEXT.en, (img.src:gsub("_", "\\_")))
    end
    local out = pandoc.List({ pandoc.RawBlock("latex", "\\begin{center}\n" .. shown .. "\n\\end{center}") })
    if #caption > 0 then
      local cap = pandoc.List({ pandoc.RawInline("latex", "\\centering\\small ") })
      cap:extend(caption)
      out:insert(pandoc.Plain(cap))
    end
    return out
  end
  if FORMAT:match("pptx") then
    -- the poster, marked for lecturemedia.decks.pptx, which puts the movie in its place
    local out = pandoc.List({ pandoc.Para({ pandoc.Image({}, poster, "lecturemedia-video:" .. img.src) }) })
    if #caption > 0 then out:insert(pandoc.Para(caption)) end
    return out
  end
  local style = width and width ~= "" and string.format(' style="width:%s"', html_escape(width)) or ""
  local track = string.format('<track kind="captions" srclang="%s" label="%s" src="%s" default>',
    html_escape(lang), html_escape(lang), html_escape((img.src:gsub("%.mp4$", ".vtt"))))
  local html = string.format(
    '<figure class="animation"><video controls preload="metadata" poster="%s" src="%s"%s>%s</video>',
    html_escape(poster), html_escape(img.src), style, track)
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
  {
    Meta = function(meta)
      handout = meta.handout == true
      lang = meta.lang and pandoc.utils.stringify(meta.lang):match("^(%a+)") or "en"
      link_text = meta["video-link-text"] and pandoc.utils.stringify(meta["video-link-text"]) or nil
    end,
  },
  -- pandoc 3 (the PPTX's) reads a captioned image alone in its paragraph as a Figure: first
  { Figure = function(fig)
    local only = #fig.content == 1 and fig.content[1]
    if only and (only.t == "Plain" or only.t == "Para") then return para(only) end
  end },
  { Para = para, Plain = para },
  { Meta = attach_videos },
}
