-- Append the shared LaTeX preamble (metadata `preamble-file`) to the deck's own
-- header-includes, after what the engine needs itself (multimedia, for the videos'
-- \movie; embedfile, for the copy of each video the PDF carries). pandoc's -H would replace
-- the deck's header-includes instead.
package.path = pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "?.lua" }) .. ";" .. package.path
local header_includes = require("header_includes")

-- The short title, author and date (the footline of Madrid and its kin, the head or foot of
-- other themes) fit their box: one wider than its line is scaled down to it, less 1ex so that
-- it does not touch the box's edge, rather than cut there. With options (a sidebar's
-- `width=`), beamer's own. The title's link to the first page wraps the scaled title, so its
-- area is the title's.
local FIT_SHORT = [[
\makeatletter
\newsavebox\lecturemedia@fitbox
\newdimen\lecturemedia@room
\newcommand\lecturemedia@fit[1]{%
  \sbox\lecturemedia@fitbox{#1}%
  \lecturemedia@room=\hsize
  \advance\lecturemedia@room by -\leftskip
  \advance\lecturemedia@room by -\rightskip
  \advance\lecturemedia@room by -1ex
  \ifdim\wd\lecturemedia@fitbox>\lecturemedia@room
    \resizebox{\lecturemedia@room}{!}{\usebox\lecturemedia@fitbox}%
  \else\usebox\lecturemedia@fitbox\fi}
\newcommand\lecturemedia@fitif[2]{\ifx\relax#1\relax\lecturemedia@fit{#2}\else#2\fi}
\renewcommand\insertshorttitle[1][]{%
  \beamer@setupshort{#1}%
  \let\thanks=\@gobble
  \ifnum\c@page=1
    \hyperlinkpresentationend{\lecturemedia@fitif{#1}{\beamer@insertshort{\beamer@shorttitle}}}%
  \else
    \hyperlinkpresentationstart{\lecturemedia@fitif{#1}{\beamer@insertshort{\beamer@shorttitle}}}%
  \fi}
\NewCommandCopy\lecturemedia@shortauthor\insertshortauthor
\NewCommandCopy\lecturemedia@shortdate\insertshortdate
\renewcommand\insertshortauthor[1][]{\lecturemedia@fitif{#1}{\lecturemedia@shortauthor[#1]}}
\renewcommand\insertshortdate[1][]{\lecturemedia@fitif{#1}{\lecturemedia@shortdate[#1]}}
\makeatother]]

function Meta(meta)
  if not (FORMAT:match("beamer") or FORMAT:match("latex")) then return nil end
  -- U+2212, the minus sign of the engine's numbers (lecturemedia.numbers.num), is the math minus,
  -- in text and in math alike (a course's preamble may say the same with \newunicodechar).
  header_includes.add(meta, "\\usepackage{multimedia}\n\\usepackage{embedfile}\n"
    .. "\\ifdefined\\DeclareUnicodeCharacter\\DeclareUnicodeCharacter{2212}{\\ensuremath{-}}\\fi")
  if FORMAT:match("beamer") then header_includes.add(meta, FIT_SHORT) end
  local path = meta["preamble-file"] and pandoc.utils.stringify(meta["preamble-file"])
  local fh = path and io.open(path, "r")
  if fh then
    header_includes.add(meta, fh:read("a"))
    fh:close()
  end
  return meta
end
