-- PDF only: an image pdflatex cannot read (GIF, BMP, TIFF, WebP) is shown from the PNG copy
-- of it the build made (decks/png_copies.py), as bare pandoc's PDF writer does. Metadata
-- `png-copy`: each image copied, as the deck names it; its copy is
-- png/<the first 16 hex digits of the SHA-1 of that name>.png, found through TEXINPUTS.
-- An image the build did not copy is left as it is.

local copied = {}

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
    end,
  },
  {
    Image = function(img)
      if copied[img.src] then
        img.src = "png/" .. pandoc.utils.sha1(img.src):sub(1, 16) .. ".png"
        return img
      end
    end,
  },
}
