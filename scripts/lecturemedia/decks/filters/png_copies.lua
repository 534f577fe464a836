-- PDF only: an image pdflatex cannot read (GIF, BMP, TIFF, WebP) is shown from the PNG copy
-- of it the build made (decks/png_copies.py), as bare pandoc's PDF writer does. Metadata
-- `png-copy`: each image copied, as the deck names it; its copy is
-- png/<the first 16 hex digits of the SHA-1 of that name>.png, found through TEXINPUTS.
-- An image the build did not copy is left as it is, but for one named from outside
-- slides_src/ (`../img/x.png`, inside the project): TeX's paranoid mode (openin_any=p) refuses
-- a name with `..`, so it is given its absolute path (metadata `slides-dir`, `project-root`),
-- which that mode takes under the project (TEXMFOUTPUT).

local copied = {}
local slides_dir, project_root = nil, nil

-- "/a/b/../c/./d" -> "/a/c/d"
local function resolve(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then table.remove(parts)
    elseif part ~= "." then parts[#parts + 1] = part end
  end
  return "/" .. table.concat(parts, "/")
end

local function collect(value)
  if value == nil then return end
  if type(value) == "table" and value.t == nil or (type(value) == "table" and value.t == "MetaList") then
    for _, item in ipairs(value) do copied[pandoc.utils.stringify(item)] = true end
  else
    copied[pandoc.utils.stringify(value)] = true
  end
end

return {
  {
    Meta = function(meta)
      if FORMAT:match("beamer") or FORMAT:match("latex") then collect(meta["png-copy"]) end
      slides_dir = meta["slides-dir"] and pandoc.utils.stringify(meta["slides-dir"])
      project_root = meta["project-root"] and pandoc.utils.stringify(meta["project-root"])
    end,
  },
  {
    Image = function(img)
      if copied[img.src] then
        img.src = "png/" .. pandoc.utils.sha1(img.src):sub(1, 16) .. ".png"
        return img
      end
      if slides_dir and project_root and img.src:match("^%.%./") then
        local absolute = resolve(slides_dir .. "/" .. img.src)
        if absolute:sub(1, #project_root + 1) == project_root .. "/" then
          img.src = absolute
          return img
        end
      end
    end,
  },
}
