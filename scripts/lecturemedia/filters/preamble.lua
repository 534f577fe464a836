-- Append the shared LaTeX preamble (metadata `preamble-file`) to the deck's own
-- header-includes. pandoc's -H would replace the deck's header-includes instead.
function Meta(meta)
  local path = meta["preamble-file"] and pandoc.utils.stringify(meta["preamble-file"])
  if not path or not (FORMAT:match("beamer") or FORMAT:match("latex")) then return nil end
  local fh = assert(io.open(path, "r"))
  local text = fh:read("a")
  fh:close()
  local includes = meta["header-includes"]
  if includes == nil then
    includes = pandoc.MetaList({})
  elseif includes.t ~= "MetaList" then
    includes = pandoc.MetaList({ includes })
  end
  includes:insert(pandoc.MetaBlocks({ pandoc.RawBlock("latex", text) }))
  meta["header-includes"] = includes
  return meta
end
