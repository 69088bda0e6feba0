"""The peer of bench_vae: the thesis's convolutional VAE (Table 5.1, 10-d latent) in PyTorch, trained
on Fashion-MNIST train class 0 with the same loss (BCE summed + KL), batch 128 and Adam(1e-3).
Prints seconds per epoch (mean over the epochs) and the encoding time.
usage: vae_peer.py [EPOCHS] [FASHION_DIR]"""
import gzip, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
root = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
with gzip.open(f"{root}/train-images-idx3-ubyte.gz") as f:
    X = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
with gzip.open(f"{root}/train-labels-idx1-ubyte.gz") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)
x = torch.tensor(X[y == 0] / 255.0, dtype=torch.float32)
torch.manual_seed(0)


class ConvVae(nn.Module):
    def __init__(self, latent=10):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 16, 5, 2), nn.Conv2d(16, 32, 5, 2)
        self.linear1, self.mu, self.logvar = nn.Linear(512, 300), nn.Linear(300, latent), nn.Linear(300, latent)
        self.linear2, self.linear3 = nn.Linear(latent, 300), nn.Linear(300, 512)
        self.conv3, self.conv4 = nn.ConvTranspose2d(32, 16, 5, 2), nn.ConvTranspose2d(16, 1, 5, 2)
        self.conv5 = nn.ConvTranspose2d(1, 1, 4, 1)

    def encode(self, x):
        h = F.relu(self.linear1(F.relu(self.conv2(F.relu(self.conv1(x)))).flatten(1)))
        return self.mu(h), self.logvar(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = F.relu(self.linear3(F.relu(self.linear2(z)))).view(-1, 32, 4, 4)
        return self.conv5(F.relu(self.conv4(F.relu(self.conv3(h))))), mu, logvar


model = ConvVae()
adam = torch.optim.Adam(model.parameters(), 1e-3)
print(f"vae_peer: {len(x)} images, {epochs} epochs, torch {torch.__version__}, threads {torch.get_num_threads()}")
t0 = time.perf_counter()
for epoch in range(epochs):
    order = torch.randperm(len(x))
    total = 0.0
    for b in range(0, len(x), 128):
        batch = x[order[b:b + 128]]
        logits, mu, logvar = model(batch)
        loss = F.binary_cross_entropy_with_logits(logits, batch, reduction="sum") \
            - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        adam.zero_grad()
        loss.backward()
        adam.step()
        total += loss.item()
train_s = time.perf_counter() - t0
t1 = time.perf_counter()
with torch.no_grad():
    model.eval()
    z = torch.cat([model.encode(x[b:b + 1024])[0] for b in range(0, len(x), 1024)])
encode_s = time.perf_counter() - t1
print(f"peer_vae_epoch_s={train_s / epochs:.3f} peer_vae_encode_s={encode_s:.3f} loss_last={total / len(x):.2f}")
