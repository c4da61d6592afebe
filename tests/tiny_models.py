"""Tiny models with random weights, built from configs and saved like real ones.

The neural backends load real models by path; these are the same architectures shrunk to a few
thousand parameters (tokenizers trained here on a few sentences), so every backend's real
loading and inference code runs offline in seconds. Their outputs are random: tests check
types, shapes, reproducibility and the fallbacks, never wording.
"""

from __future__ import annotations

import json
from pathlib import Path

SENTENCES = [
    "Hello there, what a lovely day it is by the sea.",
    "I am standing here smiling at you in my best hat.",
    "You are a person in a photo. Say one short line.",
    "What a wonderful morning for a walk in the park!",
]

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}</s>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def build_tiny_chat(folder: Path, *, chat_template: bool = True) -> Path:
    """A 2-layer Llama chat model with a byte-level BPE tokenizer, saved to ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<unk>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(SENTENCES * 10, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
    )
    if chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_blip(folder: Path) -> Path:
    """A 2-layer BLIP captioner (32 px images) with a small WordPiece vocabulary."""
    import torch
    from transformers import (
        BertTokenizer,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
    )

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[DEC]"]
    words += sorted({w.strip(".,!").lower() for s in SENTENCES for w in s.split()})
    # "[DEC]" starts every caption, a special token as in the real BLIP tokenizer.
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(words)}, bos_token="[DEC]")
    processor = BlipProcessor(
        image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tokenizer
    )
    config = BlipConfig(
        text_config={
            "vocab_size": len(words),
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 37,
            "max_position_embeddings": 64,
            "bos_token_id": words.index("[DEC]"),
            "sep_token_id": words.index("[SEP]"),
            "eos_token_id": words.index("[SEP]"),
            "pad_token_id": 0,
        },
        vision_config={
            "hidden_size": 32,
            "image_size": 32,
            "patch_size": 8,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 37,
        },
        projection_dim=32,
    )
    torch.manual_seed(0)
    BlipForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def build_tiny_stable_diffusion(folder: Path) -> Path:
    """A Stable Diffusion pipeline from tiny UNet, VAE and CLIP text encoder configs."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=4,
        attention_head_dim=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=64,
    )
    encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=2,
            pad_token_id=1,
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=100,
            max_position_embeddings=77,
        )
    )
    # A character-level CLIP BPE vocabulary (no merges): every lower-case word tokenizes.
    vocab = {"<|startoftext|>": 0, "!": 1, "<|endoftext|>": 2}
    for index, char in enumerate("abcdefghijklmnopqrstuvwxyz,."):
        vocab[char] = 3 + 2 * index
        vocab[char + "</w>"] = 4 + 2 * index
    tokenizer_files = folder / "clip-vocab"
    tokenizer_files.mkdir(parents=True, exist_ok=True)
    (tokenizer_files / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (tokenizer_files / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    tokenizer = CLIPTokenizer(
        str(tokenizer_files / "vocab.json"),
        str(tokenizer_files / "merges.txt"),
        model_max_length=77,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        timestep_spacing="trailing",
    )
    pipe = StableDiffusionPipeline(
        unet=unet,
        vae=vae,
        text_encoder=encoder,
        tokenizer=tokenizer,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.save_pretrained(folder / "pipeline")
    return folder / "pipeline"


def install_random_fan(torch_home: Path) -> Path:
    """Saves a FAN-4 with random weights where face_alignment looks for 2DFAN4's weights."""
    import torch
    from face_alignment.api import models_urls
    from face_alignment.models import FAN

    checkpoints = torch_home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True, exist_ok=True)
    target = checkpoints / models_urls["2DFAN-4"].rsplit("/", 1)[1]
    torch.manual_seed(0)
    torch.save(FAN(4).state_dict(), target)
    return target
