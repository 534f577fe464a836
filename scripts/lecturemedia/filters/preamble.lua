-- Append the shared LaTeX preamble (metadata `preamble-file`) to the deck's own
-- header-includes, after what the engine needs itself (multimedia, for the videos'
-- \movie; embedfile, for the copy of each video the PDF carries). pandoc's -H would replace the deck's header-includes instead.
function Meta(meta)
  if not (FORMAT:match("beamer") or FORMAT:match("latex")) then return nil end
  local includes = meta["header-includes"]
  if includes == nil then
    includes = pandoc.MetaList({})
  elseif includes.t ~= "MetaList" then
    includes = pandoc.MetaList({ includes })
  end
  includes:insert(pandoc.MetaBlocks({ pandoc.RawBlock("latex", "\\usepackage{multimedia}\n\\usepackage{embedfile}") }))
  local path = meta["preamble-file"] and pandoc.utils.stringify(meta["preamble-file"])
  local fh = path and io.open(path, "r")
  if fh then
    includes:insert(pandoc.MetaBlocks({ pandoc.RawBlock("latex", fh:read("a")) }))
    fh:close()
  end
  meta["header-includes"] = includes
  return meta
end
