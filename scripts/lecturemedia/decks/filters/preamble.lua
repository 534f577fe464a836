-- Append the shared LaTeX preamble (metadata `preamble-file`) to the deck's own
-- header-includes, after what the engine needs itself (multimedia, for the videos'
-- \movie; embedfile, for the copy of each video the PDF carries). pandoc's -H would replace
-- the deck's header-includes instead.
package.path = pandoc.path.join({ pandoc.path.directory(PANDOC_SCRIPT_FILE), "?.lua" }) .. ";" .. package.path
local header_includes = require("header_includes")

function Meta(meta)
  if not (FORMAT:match("beamer") or FORMAT:match("latex")) then return nil end
  header_includes.add(meta, "\\usepackage{multimedia}\n\\usepackage{embedfile}")
  local path = meta["preamble-file"] and pandoc.utils.stringify(meta["preamble-file"])
  local fh = path and io.open(path, "r")
  if fh then
    header_includes.add(meta, fh:read("a"))
    fh:close()
  end
  return meta
end
