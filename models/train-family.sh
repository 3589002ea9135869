#!/usr/bin/env bash
# Retrains the bundled default family (models/README.md) from nothing: the shapes-world dataset,
# then the VAE, CLIP, UNet and the three ControlNets, then half-precision copies in models/.
# These are the commands and settings the bundled weights were made with, on a 2-core machine
# (about 7.5 hours on the slower of them). Every step resumes where it stopped when the script is run again.
#   models/train-family.sh [WORK_DIR]        (default WORK_DIR: ./family-work, not in git)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
easel="$here/easel"
work="${1:-$here/family-work}"
data="$work/shapes64"
runs="$work/runs"
mkdir -p "$runs"

[ -f "$data/dataset.json" ] || "$easel" dataset shapes --count 20000 --seed 0 --holdout 500 --size 64 "$data"

"$easel" train vae  --data "$data" --holdout "$data/holdout" -o "$runs/vae" --steps 1800
"$easel" train clip --data "$data" --holdout "$data/holdout" -o "$runs/clip" --steps 2000 --threads 1
"$easel" train unet --data "$data" --vae "$runs/vae/final/vae" --text-encoder "$runs/clip/final/text_encoder" \
    -o "$runs/unet" --steps 3000 --warmup-steps 200 --lr-schedule cosine --cache-latents --checkpoint-every 500
# extended to 5000 steps (resumes at 3000; the cosine over 5000 steps restarts the rate at 1.85e-4), written in fp16
"$easel" train unet --data "$data" --vae "$runs/vae/final/vae" --text-encoder "$runs/clip/final/text_encoder" \
    -o "$runs/unet" --steps 5000 --warmup-steps 200 --lr-schedule cosine --cache-latents --checkpoint-every 500 --save-dtype fp16
# then the UNet and the text encoder together, from the 5000-step pipeline (the CLIP text tower learns what the UNet
# needs from each word)
"$easel" train unet --model "$runs/unet/final" --train-text-encoder --data "$data" -o "$runs/unet-text" --steps 4000 --lr 2e-4 \
    --lr-schedule cosine --warmup-steps 100 --cache-latents --checkpoint-every 500 --save-dtype fp16
"$easel" train unet --model "$runs/unet-text/final" --train-text-encoder --data "$data" -o "$runs/unet-text2" --steps 2500 --lr 1e-4 \
    --lr-schedule cosine --warmup-steps 0 --cache-latents --checkpoint-every 500 --save-dtype fp16
# then 3,500 more joint steps with Min-SNR-gamma weighting (diffusers' --snr_gamma 5): the noisy timesteps, where the
# layout is decided, count more than the nearly clean ones
"$easel" train unet --model "$runs/unet-text2/final" --train-text-encoder --data "$data" -o "$runs/unet-text3" --steps 3500 --lr 1e-4 \
    --lr-schedule cosine --warmup-steps 0 --snr-gamma 5 --cache-latents --checkpoint-every 500 --save-dtype fp16
# then 4,000 more at a higher rate (1.5e-4, cosine, 100 warm-up steps)
"$easel" train unet --model "$runs/unet-text3/final" --train-text-encoder --data "$data" -o "$runs/unet-text4" --steps 4000 --lr 1.5e-4 \
    --lr-schedule cosine --warmup-steps 100 --snr-gamma 5 --cache-latents --checkpoint-every 500 --save-dtype fp16
# then 4,000 more on the schedule rescaled to zero terminal SNR, with v-prediction (Lin et al. 2023; plain v MSE, no
# Min-SNR weighting, which would give the pure-noise timestep weight 0): the bundled pipeline
"$easel" train unet --model "$runs/unet-text4/final" --train-text-encoder --zero-terminal-snr --data "$data" -o "$runs/zsnr" --steps 4000 \
    --lr 1.5e-4 --lr-schedule cosine --warmup-steps 200 --cache-latents --checkpoint-every 500 --save-dtype fp16
# the ControlNets, each a copy of the bundled base's encoder, trained against it
# (seg and canny: 1,200 steps, then resumed to 2,400; pose 1,200)
for c in seg canny pose; do
  steps=2400; [ "$c" = pose ] && steps=1200
  "$easel" train controlnet --model "$runs/zsnr/final" --data "$data" --condition "$c" --hint-channels 16,32,64 \
      --lr 5e-4 --batch-size 16 --steps "${CN_STEPS:-$steps}" --cache-latents --cache-dir "$runs/cn-latents" -o "$runs/cn-$c" --save-dtype fp16
done
"$easel" train clip --data "$data" --holdout "$data/holdout" -o "$runs/clip" --steps 2000 --threads 1 --save-dtype fp16

out="$here/models"
rm -rf "$out/easel-shapes" "$out/easel-shapes-clip" "$out"/easel-shapes-controlnet-*
cp -r "$runs/zsnr/final" "$out/easel-shapes"
rm -f "$out/easel-shapes"/*.safetensors   # the LDM single file duplicates the folder's weights
cp -r "$runs/clip/final/clip" "$out/easel-shapes-clip"
for c in canny seg pose; do
  mkdir -p "$out/easel-shapes-controlnet-$c"
  cp "$runs/cn-$c/final/config.json" "$runs/cn-$c/final/diffusion_pytorch_model.safetensors" "$out/easel-shapes-controlnet-$c/"
done
"$easel" eval
