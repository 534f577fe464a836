-- Not a filter: what the filters share (`require "header_includes"`, after the line that
-- lets a filter find its neighbours). Adds LaTeX to a document's header-includes, after the
-- deck's own, whatever shape the deck gave them (none, one value, a list).
local M = {}

function M.add(meta, latex)
  local includes = meta["header-includes"]
  if includes == nil then
    includes = pandoc.MetaList({})
  elseif includes.t ~= "MetaList" then
    includes = pandoc.MetaList({ includes })
  end
  includes:insert(pandoc.MetaBlocks({ pandoc.RawBlock("latex", latex) }))
  meta["header-includes"] = includes
  return meta
end

return M
