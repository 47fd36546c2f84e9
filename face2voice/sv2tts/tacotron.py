"""Tacotron 1 with SV2TTS speaker conditioning: the RTVC synthesizer network.

Module names, parameter shapes and buffers (``step``, ``stop_threshold``, ``decoder.r``) mirror the
released ``synthesizer.pt`` key for key, so the pretrained weights load strictly. Behaviour that
matters for matching the original outputs is kept on purpose:

* the pre-nets apply dropout **at inference too** (Tacotron relies on it for robust attention); it
  is drawn from an explicit ``torch.Generator`` when one is given, so synthesis can be seeded
  without touching torch's global RNG;
* attention energies at padding characters are multiplied by 0, not masked to -inf, so padded
  batches attend (slightly) to padding exactly as the original did;
* ``mel_proj`` always predicts 20 frames per step, of which the first ``r`` are used; ``r`` comes
  from the checkpoint's ``decoder.r`` buffer.

Decoder state lives in local variables of ``forward``/``generate``, never on the modules, so a model
can serve concurrent calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .hparams import MAX_REDUCTION_FACTOR, TacotronParams


def _dropout(x: Tensor, p: float, generator: torch.Generator | None) -> Tensor:
    """Always-on dropout (also in eval mode); seeded through ``generator`` when given."""
    if p <= 0.0:
        return x
    if generator is None:
        return F.dropout(x, p, training=True)
    keep = torch.empty_like(x).bernoulli_(1.0 - p, generator=generator)
    return x * keep * (1.0 / (1.0 - p))


class HighwayNetwork(nn.Module):
    def __init__(self, size: int):
        super().__init__()
        self.W1 = nn.Linear(size, size)
        self.W2 = nn.Linear(size, size)
        nn.init.zeros_(self.W1.bias)

    def forward(self, x: Tensor) -> Tensor:
        gate = torch.sigmoid(self.W2(x))
        return gate * F.relu(self.W1(x)) + (1.0 - gate) * x


class BatchNormConv(nn.Module):
    """Conv1d (no bias, 'same' padding for odd kernels) -> optional ReLU -> BatchNorm (that order)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, relu: bool = True):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, out_channels, kernel, stride=1, padding=kernel // 2, bias=False)
        self.bnorm = nn.BatchNorm1d(out_channels)
        self.relu = relu

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(x)
        if self.relu:
            x = F.relu(x)
        return self.bnorm(x)


class CBHG(nn.Module):
    """Conv bank + max-pool + projections + residual + highways + bidirectional GRU."""

    def __init__(self, K: int, in_channels: int, channels: int, proj_channels: tuple[int, int], num_highways: int):
        super().__init__()
        self.conv1d_bank = nn.ModuleList(BatchNormConv(in_channels, channels, k) for k in range(1, K + 1))
        self.maxpool = nn.MaxPool1d(kernel_size=2, stride=1, padding=1)
        self.conv_project1 = BatchNormConv(K * channels, proj_channels[0], 3)
        self.conv_project2 = BatchNormConv(proj_channels[0], proj_channels[1], 3, relu=False)
        # The postnet's residual has fft_bins channels but its highways have `channels`.
        self.pre_highway = nn.Linear(proj_channels[-1], channels, bias=False) if proj_channels[-1] != channels else None
        self.highways = nn.ModuleList(HighwayNetwork(channels) for _ in range(num_highways))
        self.rnn = nn.GRU(channels, channels // 2, batch_first=True, bidirectional=True)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, T) -> (B, T, channels)."""
        residual = x
        seq_len = x.size(-1)
        # Even kernels produce T+1 frames; truncating to T keeps all branches aligned.
        bank = torch.cat([conv(x)[:, :, :seq_len] for conv in self.conv1d_bank], dim=1)
        x = self.maxpool(bank)[:, :, :seq_len]
        x = self.conv_project2(self.conv_project1(x))
        x = (x + residual).transpose(1, 2)
        if self.pre_highway is not None:
            x = self.pre_highway(x)
        for highway in self.highways:
            x = highway(x)
        x, _ = self.rnn(x)
        return x


class PreNet(nn.Module):
    def __init__(self, in_dims: int, fc1_dims: int, fc2_dims: int, dropout: float):
        super().__init__()
        self.fc1 = nn.Linear(in_dims, fc1_dims)
        self.fc2 = nn.Linear(fc1_dims, fc2_dims)
        self.p = dropout

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        x = _dropout(F.relu(self.fc1(x)), self.p, generator)
        return _dropout(F.relu(self.fc2(x)), self.p, generator)


class Encoder(nn.Module):
    def __init__(self, p: TacotronParams):
        super().__init__()
        self.embedding = nn.Embedding(p.num_chars, p.embed_dims)
        self.pre_net = PreNet(p.embed_dims, p.encoder_dims, p.encoder_dims, p.dropout)
        self.cbhg = CBHG(p.encoder_K, p.encoder_dims, p.encoder_dims, (p.encoder_dims, p.encoder_dims), p.num_highways)

    def forward(self, chars: Tensor, speaker_embedding: Tensor | None = None,
                generator: torch.Generator | None = None) -> Tensor:
        """(B, T_text) ids [+ (256,) or (B, 256) embedding] -> (B, T_text, encoder_dims [+ 256])."""
        x = self.pre_net(self.embedding(chars), generator)
        x = self.cbhg(x.transpose(1, 2))
        if speaker_embedding is None:
            return x
        return add_speaker_embedding(x, speaker_embedding)


def add_speaker_embedding(x: Tensor, embedding: Tensor) -> Tensor:
    """Append the speaker embedding to every character frame (SV2TTS conditioning).

    A 1-D embedding is shared by the whole batch; a 2-D one gives one per item.
    """
    batch, n_chars, _ = x.shape
    if embedding.dim() == 1:
        embedding = embedding.unsqueeze(0)
    embedding = embedding.to(x.dtype).unsqueeze(1).expand(batch, n_chars, embedding.size(-1))
    return torch.cat((x, embedding), dim=2)


class LSA(nn.Module):
    """Location-sensitive attention; the cumulative weights are passed in and returned, not stored."""

    def __init__(self, attn_dims: int, kernel_size: int = 31, filters: int = 32):
        super().__init__()
        self.conv = nn.Conv1d(1, filters, padding=(kernel_size - 1) // 2, kernel_size=kernel_size, bias=True)
        self.L = nn.Linear(filters, attn_dims, bias=False)
        self.W = nn.Linear(attn_dims, attn_dims, bias=True)
        self.v = nn.Linear(attn_dims, 1, bias=False)

    def forward(self, encoder_seq_proj: Tensor, query: Tensor, cumulative: Tensor, char_mask: Tensor) -> Tensor:
        """Attention weights (B, T_text) for this step."""
        processed_query = self.W(query).unsqueeze(1)
        location = self.L(self.conv(cumulative.unsqueeze(1)).transpose(1, 2))
        energies = self.v(torch.tanh(processed_query + encoder_seq_proj + location)).squeeze(-1)
        return F.softmax(energies * char_mask, dim=1)  # padding energies become 0, not -inf (original)


@dataclass
class DecoderState:
    """Recurrent state carried between decoder steps (one per call, never on the module)."""

    attn_hidden: Tensor
    rnn1_hidden: Tensor
    rnn1_cell: Tensor
    rnn2_hidden: Tensor
    rnn2_cell: Tensor
    context: Tensor
    cumulative: Tensor

    @classmethod
    def zeros(cls, batch: int, p: TacotronParams, n_chars: int, like: Tensor) -> "DecoderState":
        def z(*shape: int) -> Tensor:
            return like.new_zeros(shape)
        return cls(z(batch, p.decoder_dims), z(batch, p.lstm_dims), z(batch, p.lstm_dims),
                   z(batch, p.lstm_dims), z(batch, p.lstm_dims),
                   z(batch, p.encoder_dims + p.speaker_embedding_size), z(batch, n_chars))


class Decoder(nn.Module):
    def __init__(self, p: TacotronParams):
        super().__init__()
        self.register_buffer("r", torch.tensor(1, dtype=torch.int32))
        self.n_mels = p.n_mels
        context_dims = p.encoder_dims + p.speaker_embedding_size
        self.prenet = PreNet(p.n_mels, 2 * p.decoder_dims, 2 * p.decoder_dims, p.dropout)
        self.attn_net = LSA(p.decoder_dims)
        self.attn_rnn = nn.GRUCell(context_dims + 2 * p.decoder_dims, p.decoder_dims)
        self.rnn_input = nn.Linear(context_dims + p.decoder_dims, p.lstm_dims)
        self.res_rnn1 = nn.LSTMCell(p.lstm_dims, p.lstm_dims)
        self.res_rnn2 = nn.LSTMCell(p.lstm_dims, p.lstm_dims)
        self.mel_proj = nn.Linear(p.lstm_dims, p.n_mels * MAX_REDUCTION_FACTOR, bias=False)
        self.stop_proj = nn.Linear(context_dims + p.lstm_dims, 1)

    @staticmethod
    def _zoneout(prev: Tensor, new: Tensor, p: float = 0.1) -> Tensor:
        keep_prev = torch.empty_like(prev).bernoulli_(p)
        return prev * keep_prev + new * (1.0 - keep_prev)

    def forward(self, encoder_seq: Tensor, encoder_seq_proj: Tensor, prenet_in: Tensor, state: DecoderState,
                char_mask: Tensor, r: int, generator: torch.Generator | None = None
                ) -> tuple[Tensor, Tensor, Tensor, DecoderState]:
        """One step: r mel frames (B, n_mels, r), attention (B, 1, T_text), stop prob (B, 1), new state."""
        prenet_out = self.prenet(prenet_in, generator)
        attn_hidden = self.attn_rnn(torch.cat((state.context, prenet_out), dim=-1), state.attn_hidden)
        weights = self.attn_net(encoder_seq_proj, attn_hidden, state.cumulative, char_mask)
        scores = weights.unsqueeze(1)
        context = torch.bmm(scores, encoder_seq).squeeze(1)

        x = self.rnn_input(torch.cat((context, attn_hidden), dim=1))
        h1, c1 = self.res_rnn1(x, (state.rnn1_hidden, state.rnn1_cell))
        if self.training:  # zoneout regularisation (training only)
            h1 = self._zoneout(state.rnn1_hidden, h1)
        x = x + h1
        h2, c2 = self.res_rnn2(x, (state.rnn2_hidden, state.rnn2_cell))
        if self.training:
            h2 = self._zoneout(state.rnn2_hidden, h2)
        x = x + h2

        mels = self.mel_proj(x).view(x.size(0), self.n_mels, MAX_REDUCTION_FACTOR)[:, :, :r]
        stop = torch.sigmoid(self.stop_proj(torch.cat((x, context), dim=1)))
        new_state = DecoderState(attn_hidden, h1, c1, h2, c2, context, state.cumulative + weights)
        return mels, scores, stop, new_state


class Tacotron(nn.Module):
    def __init__(self, params: TacotronParams = TacotronParams()):
        super().__init__()
        self.params = params
        self.encoder = Encoder(params)
        self.encoder_proj = nn.Linear(params.encoder_dims + params.speaker_embedding_size, params.decoder_dims,
                                      bias=False)
        self.decoder = Decoder(params)
        self.postnet = CBHG(params.postnet_K, params.n_mels, params.postnet_dims,
                            (params.postnet_dims, params.fft_bins), params.num_highways)
        self.post_proj = nn.Linear(params.postnet_dims, params.fft_bins, bias=False)
        self.register_buffer("step", torch.zeros(1, dtype=torch.long))
        self.register_buffer("stop_threshold", torch.tensor(params.stop_threshold, dtype=torch.float32))
        self._init_weights()

    def _init_weights(self) -> None:
        # Training-time initialisation; irrelevant once a checkpoint is loaded.
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        for module in self.modules():
            if isinstance(module, HighwayNetwork):
                nn.init.zeros_(module.W1.bias)

    @property
    def r(self) -> int:
        """Reduction factor (frames per decoder step), restored from the checkpoint's ``decoder.r``."""
        return int(self.decoder.r.item())

    @r.setter
    def r(self, value: int) -> None:
        if not 1 <= value <= MAX_REDUCTION_FACTOR:
            raise ValueError(f"r must be in 1..{MAX_REDUCTION_FACTOR}, got {value}")
        self.decoder.r.fill_(value)

    def _encode(self, chars: Tensor, speaker_embedding: Tensor, generator: torch.Generator | None
                ) -> tuple[Tensor, Tensor, Tensor]:
        encoder_seq = self.encoder(chars, speaker_embedding, generator)
        return encoder_seq, self.encoder_proj(encoder_seq), (chars != 0).to(encoder_seq.dtype)

    def _postnet(self, mels: Tensor) -> Tensor:
        return self.post_proj(self.postnet(mels)).transpose(1, 2)

    def forward(self, chars: Tensor, mels: Tensor, speaker_embedding: Tensor,
                generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Teacher-forced pass: the decoder is fed ground-truth frame t-1 at step t.

        Returns (mel_outputs (B, n_mels, T'), postnet (B, fft_bins, T'), attention (B, T'/r, T_text),
        stop (B, T')), with T' = T rounded up to a multiple of r. Increments ``step``.
        """
        self.step += 1
        batch, _, steps = mels.shape
        r = self.r
        encoder_seq, encoder_seq_proj, char_mask = self._encode(chars, speaker_embedding, generator)
        state = DecoderState.zeros(batch, self.params, chars.size(1), encoder_seq)
        go_frame = encoder_seq.new_zeros(batch, self.params.n_mels)
        mel_outputs, attn_scores, stops = [], [], []
        for t in range(0, steps, r):
            prenet_in = mels[:, :, t - 1] if t > 0 else go_frame
            frames, scores, stop, state = self.decoder(encoder_seq, encoder_seq_proj, prenet_in, state,
                                                       char_mask, r, generator)
            mel_outputs.append(frames)
            attn_scores.append(scores)
            stops.extend([stop] * r)
        mel_out = torch.cat(mel_outputs, dim=2)
        return mel_out, self._postnet(mel_out), torch.cat(attn_scores, dim=1), torch.cat(stops, dim=1)

    @torch.inference_mode()
    def generate(self, chars: Tensor, speaker_embedding: Tensor, steps: int = 2000,
                 generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
        """Free-running synthesis until every item's stop probability > 0.5 (after frame 10) or ``steps``.

        Returns (mel_outputs, postnet (B, fft_bins, T), attention (B, T/r, T_text)). Runs in eval mode
        (no zoneout) and restores the previous mode; pre-net dropout stays on, drawn from
        ``generator`` (seed it for reproducible output) or torch's global RNG.
        """
        was_training = self.training
        self.eval()
        try:
            batch = chars.size(0)
            r = self.r
            encoder_seq, encoder_seq_proj, char_mask = self._encode(chars, speaker_embedding, generator)
            state = DecoderState.zeros(batch, self.params, chars.size(1), encoder_seq)
            prenet_in = encoder_seq.new_zeros(batch, self.params.n_mels)
            mel_outputs, attn_scores = [], []
            for t in range(0, steps, r):
                frames, scores, stop, state = self.decoder(encoder_seq, encoder_seq_proj, prenet_in, state,
                                                           char_mask, r, generator)
                mel_outputs.append(frames)
                attn_scores.append(scores)
                prenet_in = frames[:, :, -1]
                if t > 10 and bool((stop > 0.5).all()):
                    break
            mel_out = torch.cat(mel_outputs, dim=2)
            return mel_out, self._postnet(mel_out), torch.cat(attn_scores, dim=1)
        finally:
            self.train(was_training)
